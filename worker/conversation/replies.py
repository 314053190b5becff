"""Short, warm conversational replies to what a user tells storyloom.

Replies are written from the NLU analysis rather than by the language model:
they must come back in a moment, never invent anything, and always ask about
something the user actually said.
"""

from __future__ import annotations

import hashlib

from nlu.profile import Contradiction
from nlu.schema import Analysis
from worker.profile.facts_view import ask_about
from worker.profile.model import Profile, display_name

_THANKS = (
    "Thank you for sharing that.",
    "I'm glad you told me.",
    "That's a lovely thing to remember.",
    "Thank you, I've kept that.",
)
_HEAVY = (
    "That sounds like it was hard.",
    "Thank you for trusting me with that.",
    "That must have stayed with you.",
)
_NEGATIVE = {"sadness", "grief", "fear", "anger", "remorse", "disappointment", "nervousness"}


def _pick(options: tuple[str, ...], seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return options[digest[0] % len(options)]


def _follow_up(analysis: Analysis, before: Profile) -> str:
    known = {n.lower() for p in before.people for n in (p.name, *p.aliases)}
    for person in analysis.people:
        name = display_name(person)
        if name and name.lower() not in known:
            if person.name and person.relation:
                return f"What was {person.name}, your {person.relation}, like?"
            return f"Tell me more about {name}: what were they like?"
    if analysis.people:
        name = display_name(analysis.people[0]) or "them"
        return f"What do you remember most about {name}?"
    if analysis.places:
        return f"What was {analysis.places[0]} like back then?"
    if analysis.feelings:
        top = max(analysis.feelings, key=lambda f: f.strength)
        if top.label in _NEGATIVE:
            return "How do you feel about it now, looking back?"
        return "What made that moment feel that way?"
    if analysis.events:
        return "What happened next?"
    return "Is there a person or a place from that time you'd like to tell me about?"


def reply_to(
    analysis: Analysis, before: Profile, turn_id: str,
    contradictions: list[Contradiction] | None = None,
) -> str:
    """An acknowledgement and one follow-up question about something the user said.

    A statement that contradicts an earlier one is asked about first: the user
    decides which is true, storyloom never silently picks.
    """
    if contradictions:
        return f"Thank you for telling me. {ask_about(contradictions[-1])}"
    negative = analysis.sentiment.get("negative", 0.0) > 0.5 or any(
        f.label in _NEGATIVE and f.strength >= 0.5 for f in analysis.feelings
    )
    opener = _pick(_HEAVY if negative else _THANKS, turn_id)
    return f"{opener} {_follow_up(analysis, before)}"
