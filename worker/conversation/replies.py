"""Short, warm conversational replies to what a user tells storyloom.

Replies are written from the NLU analysis rather than by the language model:
they must come back in a moment, never invent anything, and ask what a good
biographer would ask next (:mod:`worker.conversation.interview` chooses it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection

from nlu.profile import Contradiction
from nlu.schema import Analysis
from worker.conversation import interview
from worker.profile.facts_view import ask_about
from worker.profile.model import Profile

_THANKS = (
    "Thank you for sharing that.",
    "I'm glad you told me.",
    "Thank you, I've kept that.",
)
# Only for a message that is glad: "a lovely thing" said to a kidnapping is a wound.
_WARM = (
    "That's a lovely thing to remember.",
    "What a thing to remember.",
    "I'm glad you told me.",
)
_GLAD_FEELINGS = {"joy", "love", "gratitude", "admiration", "amusement", "excitement", "pride",
                  "relief", "optimism", "caring"}
GLAD_AT = 0.4
_HEAVY = (
    "That sounds like it was hard.",
    "Thank you for trusting me with that.",
    "That must have stayed with you.",
)
_LEFT = "Of course, we'll leave that be."
_NO_RUSH = "Take your time. Would you like to go on with this, or talk about something lighter?"
_KEPT = "Of course: I won't ask you about that."
# Feelings that make a message heavy: the interviewer is gentle after them.
_HEAVY_FEELINGS = {"sadness", "grief", "remorse", "fear", "nervousness", "disappointment"}
HEAVY_AT = 0.5
_LOSS = re.compile(r"\b(?:died|dies|death|dead|funeral|passed\s+away|buried|grave|killed|"
                   r"beat|beaten|abused|raped|assaulted|attacked|bullied|divorced|"
                   r"miscarriage|widowed|kidnapped|abducted|seized|enslaved|whipped|torn\s+from|"
                   r"lost\s+(?:my|our|his|her)\s+(?:mother|father|mum|"
                   r"mom|dad|wife|husband|son|daughter|baby|brother|sister|child|friend))\b",
                   re.IGNORECASE)
_DECLINE = re.compile(
    r"\b(?:I'?d\s+rather\s+not|I\s+would\s+rather\s+not|I\s+(?:don'?t|do\s+not)\s+(?:want|wish)"
    r"\s+to|let'?s\s+not|please\s+don'?t\s+ask(?:\s+me)?|I'?m\s+not\s+ready\s+to)"
    r"(?:\s+(?:talk|speak|say|go\s+into|discuss|get\s+into|think)(?:\s+about)?|"
    r"\s+about)?(?P<what>[^.!?]*)", re.IGNORECASE)
_KEEP_PRIVATE = re.compile(r"\b(?:keep|leave)\s+(?:this|that|it)\s+(?:private|between\s+us|out)"
                           r"|\bdon'?t\s+(?:tell|share\s+(?:this|that|it)\s+with)\s+anyone",
                           re.IGNORECASE)
_VAGUE = {"", "it", "that", "this", "him", "her", "them", "those", "these", "any more",
          "anymore", "now", "right now", "today", "yet"}


def _pick(options: tuple[str, ...], seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return options[digest[0] % len(options)]


def heavy(analysis: Analysis, text: str = "") -> bool:
    """A message carrying sadness or grief (not anger or disapproval): gentleness first.
    A death or a harm told plainly is heavy whatever the classifier felt in it."""
    return bool(_LOSS.search(text)) or any(f.label in _HEAVY_FEELINGS and f.strength >= HEAVY_AT
               for f in analysis.feelings) or any(
        analysis.emotions.get(label, 0.0) >= HEAVY_AT for label in ("sadness", "grief"))


def glad(analysis: Analysis) -> bool:
    """A message whose strongest feeling is a glad one: it may be called lovely."""
    feelings = {k: v for k, v in analysis.emotions.items() if k != "neutral"}
    if not feelings:
        return False
    top = max(feelings, key=lambda k: feelings[k])
    return top in _GLAD_FEELINGS and feelings[top] >= GLAD_AT


def declined_subjects(text: str, analysis: Analysis, before: Profile) -> list[str]:
    """What the user said they would rather not talk about (or keep private) in this message."""
    out: list[str] = []
    m = _DECLINE.search(text)
    if m is not None:
        what = re.sub(r"^(?:about\s+)?(?:my|the|our|your)\s+", "", m["what"].strip(),
                      flags=re.IGNORECASE).strip().casefold()
        what = re.split(r"\s+(?:right now|now|today|anymore|any more|yet)\b", what)[0]
        if what not in _VAGUE and len(what.split()) <= 4:
            out.append(what)
        elif before.asked:  # "I'd rather not talk about it": the subject last asked about
            out.append(before.asked[-1].split(":", 1)[1])
    if _KEEP_PRIVATE.search(text):
        out += [(p.name or p.relation or "").casefold() for p in analysis.people]
        out += [place.casefold() for place in analysis.places]
    return [s for s in dict.fromkeys(out) if s]


def answer(analysis: Analysis, before: Profile, after: Profile, turn_id: str, text: str = "",
           contradictions: list[Contradiction] | None = None,
           private: Collection[str] = ()) -> tuple[str, Profile]:
    """The reply to one message and the profile with the question it asks remembered.

    A statement that contradicts an earlier one is asked about first: the user decides
    which is true, storyloom never silently picks. A subject the user declines is noted
    and never asked about again.
    """
    if contradictions:
        return f"Thank you for telling me. {ask_about(contradictions[-1])}", after
    declined = declined_subjects(text, analysis, before)
    if declined:
        after = after.model_copy(update={
            "declined": tuple(dict.fromkeys((*after.declined, *declined)))})
        opener = _KEPT if _KEEP_PRIVATE.search(text) else _LEFT
        question = interview.choose(after, None, private=private)
        return f"{opener} {question.text}", interview.remember(after, question)
    after = interview.note_told(after, analysis, text)
    gentle = heavy(analysis, text)
    opener = _pick(_HEAVY if gentle else _WARM if glad(analysis) else _THANKS, turn_id)
    question = interview.choose(after, analysis, gentle=gentle, private=private, said=text)
    if gentle and question.slot == "open":
        about = interview.grieved(after, private)
        if about is None:  # nothing gentle to ask about: only an opening
            return f"{opener} {_NO_RUSH}", after
        question = about
    return f"{opener} {question.text}", interview.remember(after, question)


def reply_to(
    analysis: Analysis, before: Profile, turn_id: str,
    contradictions: list[Contradiction] | None = None,
) -> str:
    """An acknowledgement and one follow-up question (the profile's memory not kept)."""
    return answer(analysis, before, before, turn_id, "", contradictions)[0]
