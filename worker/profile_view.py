"""The profile as a person reads it (/profile) and as tools read it (JSON)."""

from __future__ import annotations

from typing import Any

from worker.profile import LifeEvent, Profile, timeline


def _when(event: LifeEvent) -> str:
    tv = event.time_value
    if tv is None:
        return event.time or "undated"
    if tv.start is not None:
        if tv.precision == "day":
            return tv.start.isoformat()
        if tv.precision in ("month", "season"):
            return f"{event.time} ({tv.start:%b %Y})"
        return f"{event.time} ({tv.start.year})"
    if tv.age is not None:
        return f"{event.time} (age {tv.age})"
    return event.time or "undated"


def render_profile(profile: Profile, arc_points: int = 8) -> str:
    """A plain-text summary of what storyloom understood."""
    if not (profile.people or profile.places or profile.events or profile.arc):
        return "I don't know anything about your life yet. Tell me about it!"
    lines: list[str] = []
    if profile.people:
        lines.append("People:")
        for p in profile.people:
            rel = f" ({p.relation})" if p.relation and p.relation not in p.name else ""
            aka = f", also {', '.join(p.aliases)}" if p.aliases else ""
            lines.append(f"  - {p.name}{rel}{aka}")
    if profile.places:
        lines.append("Places: " + ", ".join(p.name for p in profile.places))
    if profile.events:
        lines.append("Timeline:")
        for e in timeline(profile):
            lines.append(f"  - {_when(e)}: {e.text}")
    if profile.arc:
        recent = profile.arc[-arc_points:]
        lines.append("Feelings lately: " + ", ".join(
            f"{p.label} ({p.strength:.1f})" for p in recent))
    return "\n".join(lines)


def profile_json(profile: Profile) -> dict[str, Any]:
    """The stored profile as JSON-ready data, with the timeline in life order."""
    data: dict[str, Any] = profile.model_dump(mode="json")
    data["timeline"] = [e.event_id for e in timeline(profile)]
    return data
