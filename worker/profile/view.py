"""The profile as a person reads it (/profile) and as tools read it (JSON)."""

from __future__ import annotations

from typing import Any

from worker.profile.facts_view import say_fact
from worker.profile.model import FeelingPoint, LifeEvent, Person, Profile, timeline

ARC_POINTS = 10


def _when(event: LifeEvent) -> str:
    tv = event.time_value
    if tv is None:
        return event.time or "undated"
    if tv.start is not None:
        if tv.precision == "day":
            return tv.start.isoformat()
        if tv.precision in ("month", "season"):
            return f"{event.time} ({tv.start:%b %Y})"
        if tv.precision == "decade":
            return f"{event.time} ({tv.start.year}s)"
        return f"{event.time} ({tv.start.year})"
    if tv.age is not None:
        return f"{event.time} (age {tv.age})"
    return event.time or "undated"


def _person(p: Person) -> str:
    rel = f" ({p.relation})" if p.relation and p.relation not in p.name else ""
    aka = f", also {', '.join(p.aliases)}" if p.aliases else ""
    return f"  - {p.name}{rel}{aka}"


def _arc(points: tuple[FeelingPoint, ...]) -> str:
    """A one-line emotional arc: recent feelings, oldest first, with a valence trend."""
    recent = points[-ARC_POINTS:]
    marks = "".join("+" if p.valence > 0.2 else "-" if p.valence < -0.2 else "·" for p in recent)
    labels = ", ".join(p.label for p in recent[-4:])
    return f"Feelings lately: {labels}  [{marks}]"


def render_profile(profile: Profile) -> str:
    """A plain-text summary of what storyloom understood."""
    if not (profile.people or profile.places or profile.events or profile.arc or profile.facts):
        return "I don't know anything about your life yet. Tell me about it!"
    lines: list[str] = []
    if profile.people:
        lines += ["People:", *(_person(p) for p in profile.people)]
    if profile.places:
        lines.append("Places: " + ", ".join(p.name for p in profile.places))
    if profile.organisations:
        lines.append("Organisations: " + ", ".join(p.name for p in profile.organisations))
    current = [f for f in profile.facts if f.active]
    past = [f for f in profile.facts if not f.active]
    if current:
        lines += ["About you:", *(f"  - {say_fact(f)}" for f in current)]
    if past:
        lines += ["No longer true:", *(
            f"  - {say_fact(f, past=True)} (until {f.superseded_at})" for f in past)]
    if profile.events:
        lines += ["Timeline:", *(f"  - {_when(e)}: {e.text}" for e in timeline(profile))]
    if profile.arc:
        lines.append(_arc(profile.arc))
    return "\n".join(lines)


def profile_json(profile: Profile) -> dict[str, Any]:
    """The stored profile as JSON-ready data, with the timeline in life order."""
    data: dict[str, Any] = profile.model_dump(mode="json")
    data["timeline"] = [e.event_id for e in timeline(profile)]
    data["birth_year"] = profile.birth_year
    return data
