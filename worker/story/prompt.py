"""Turning what storyloom knows into a prompt for the next installment."""

from __future__ import annotations

from dataclasses import dataclass

from worker.profile import LifeEvent, Profile, timeline
from worker.records import Installment
from worker.story.voice import second_person

TONES = {
    "auto": "warm, following the feelings they expressed",
    "joy": "joyful and light",
    "sadness": "tender and sad",
    "nostalgia": "bittersweet and nostalgic",
    "hope": "hopeful",
    "humour": "gently humorous",
    "calm": "calm and peaceful",
}
# Beats per installment: enough to say something, few enough for a small model.
EVENTS_PER_INSTALLMENT = 3
SYSTEM = ("You are a memoir writer. You write warm, vivid, truthful life stories "
          "from what people tell you, and you never invent people or places.")


@dataclass(frozen=True)
class Prompt:
    """A chat for the model and the first words of its answer."""

    messages: list[dict[str, str]]
    prefix: str


def pick_events(profile: Profile, told: set[str]) -> list[LifeEvent]:
    """The next untold events in life order, or the latest ones if all are told."""
    ordered = timeline(profile)
    untold = [e for e in ordered if e.event_id not in told]
    return (untold or ordered[-EVENTS_PER_INSTALLMENT:])[:EVENTS_PER_INSTALLMENT]


def beat(event: LifeEvent) -> str:
    """One event as a line of the plan, in the second person."""
    text = second_person(event.text.strip().rstrip("."))
    if event.place and event.place not in text:
        text += f" in {event.place}"
    if event.time and event.time not in text:
        text += f" ({event.time})"
    return text[:1].upper() + text[1:] + "."


def opening(events: list[LifeEvent]) -> str:
    """First words of the installment, anchoring it in the first beat's time."""
    first = events[0] if events else None
    if first is not None and first.time:
        phrase = second_person(first.time)
        return f"{phrase[:1].upper()}{phrase[1:]}, you"
    return "You"


def build_prompt(
    profile: Profile, events: list[LifeEvent], tone: str, previous: Installment | None
) -> Prompt:
    """The chat asking for one installment about these events, and its opening words."""
    beats = "\n".join(f"- {beat(e)}" for e in events)
    names = [p.name for p in profile.people if not p.name.lower().startswith("your ")]
    names += [p.name for p in profile.places]
    ask = [
        "Write one paragraph of my life story in the second person (\"you\"), "
        f"in a {TONES.get(tone, tone)} tone, telling these memories in order:",
        beats or "- The first things I told you about my life.",
    ]
    if names:
        ask.append(f"Use the names {', '.join(dict.fromkeys(names))}. Do not add other people.")
    if previous is not None:
        ask.append(f"The story so far ended: \"{previous.text[-240:]}\"")
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": "\n".join(ask)}]
    return Prompt(messages=messages, prefix=opening(events))
