"""The interviewer's next question: one place that picks what to ask a user next.

Reminders send one of these. The choice is deliberately simple (a person named but never
described, a place with no story, an event with no time, else an open question from a
short list) and the interface minimal, so a better interviewer can replace the body.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.profile.model import Profile

OPEN_QUESTIONS = (
    "What is the earliest thing you remember?",
    "Tell me about the house you grew up in: what did it smell like?",
    "Who was your best friend as a child, and what did you do together?",
    "What was a day at school like for you?",
    "What is a meal that takes you straight back to your childhood?",
    "Tell me about a journey that changed something for you.",
    "What was your first job, and how did you get it?",
    "Who taught you something you still use every day?",
    "What is a song that brings back a particular time of your life?",
    "Tell me about a celebration you will never forget.",
)
PRONOUNS = {"mother": "she", "grandmother": "she", "sister": "she", "aunt": "she",
            "daughter": "she", "wife": "she", "father": "he", "grandfather": "he",
            "brother": "he", "uncle": "he", "son": "he", "husband": "he"}


def _candidates(profile: Profile) -> list[str]:
    """Questions about what the user has told, least-described first."""
    out: list[str] = []
    for person in sorted(profile.people, key=lambda p: p.mentions):
        pronoun = PRONOUNS.get((person.relation or "").lower(), "they")
        verb = "were" if pronoun == "they" else "was"
        who = f"your {person.relation} {person.name}" if person.relation else person.name
        out.append(f"You mentioned {who}. What {verb} {pronoun} like?")
    for place in sorted(profile.places, key=lambda p: p.mentions):
        out.append(f"You mentioned {place.name}. What is a moment there you remember well?")
    for event in profile.events:
        if event.time is None and not event.told:
            out.append("When did that happen, and how old were you then: "
                       f"\u201c{event.text[:80]}\u201d?")
    return out


def next_question(profile: Profile, asked: Sequence[str] = ()) -> str:
    """One question for the user, never one of those in `asked` while others remain."""
    recent = set(asked)
    for question in (*_candidates(profile), *OPEN_QUESTIONS):
        if question not in recent:
            return question
    return OPEN_QUESTIONS[len(asked) % len(OPEN_QUESTIONS)]
