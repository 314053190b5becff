"""The user profile: people, places, events and feelings storyloom understood.

``apply_analysis`` is a pure function: the NLU worker calls it inside the
store's exactly-once transaction.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from nlu.schema import Analysis, Event, TimeValue
from worker.records import Record, new_id

# Below this "narrates an event" score a sentence is chit-chat, not a life event.
EVENT_MIN_SCORE = 0.5
# The arc keeps one point per turn; a long life of chatting stays bounded.
MAX_ARC_POINTS = 2000
# Which turns mentioned a person or place (newest kept), so an edited turn can take
# its mentions back; older mentions only stay counted.
MAX_PROVENANCE = 100


class Person(Record):
    """Someone in the user's life."""

    name: str
    relation: str | None = None
    aliases: tuple[str, ...] = ()
    mentions: int = 1
    first_seen: datetime
    last_seen: datetime
    turn_ids: tuple[str, ...] = ()


class Place(Record):
    """A place in the user's life."""

    name: str
    mentions: int = 1
    first_seen: datetime
    last_seen: datetime
    turn_ids: tuple[str, ...] = ()


class LifeEvent(Record):
    """Something that happened, as the user told it."""

    event_id: str = Field(default_factory=new_id)
    text: str
    predicate: str
    agent: str | None = None
    patient: str | None = None
    participants: tuple[str, ...] = ()
    place: str | None = None
    time: str | None = None
    time_value: TimeValue | None = None
    score: float
    turn_id: str
    said_at: datetime
    told: bool = False


class FeelingPoint(Record):
    """The feeling of one turn: a point on the user's emotional arc."""

    turn_id: str
    at: datetime
    label: str
    strength: float
    valence: float


class Profile(Record):
    """Everything storyloom understood about one user."""

    user: str
    people: tuple[Person, ...] = ()
    places: tuple[Place, ...] = ()
    events: tuple[LifeEvent, ...] = ()
    arc: tuple[FeelingPoint, ...] = ()
    turns_applied: int = 0
    last_seq: int = 0


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def _seen_in(turn_ids: tuple[str, ...], turn_id: str) -> tuple[str, ...]:
    return (*turn_ids, turn_id)[-MAX_PROVENANCE:]


def _merge_people(
    people: list[Person], analysis: Analysis, turn_id: str, at: datetime
) -> list[Person]:
    for mention in analysis.people:
        label = mention.name or (f"your {mention.relation}" if mention.relation else None)
        if not label:
            continue
        names = {_norm(n) for n in (label, *mention.aliases)}
        match = next(
            (
                i
                for i, p in enumerate(people)
                if names & {_norm(n) for n in (p.name, *p.aliases)}
                or (mention.relation and p.relation == mention.relation and not mention.name)
            ),
            None,
        )
        if match is None:
            people.append(
                Person(name=label, relation=mention.relation,
                       aliases=tuple(a for a in mention.aliases if _norm(a) != _norm(label)),
                       first_seen=at, last_seen=at, turn_ids=(turn_id,))
            )
            continue
        old = people[match]
        aliases = {*old.aliases, *mention.aliases}
        name = old.name
        if mention.name and old.name.startswith("your "):
            aliases.add(old.name)
            name = mention.name
        aliases.discard(name)
        people[match] = old.model_copy(update={
            "name": name,
            "relation": old.relation or mention.relation,
            "aliases": tuple(sorted(aliases)),
            "mentions": old.mentions + 1,
            "last_seen": at,
            "turn_ids": _seen_in(old.turn_ids, turn_id),
        })
    return people


def _merge_places(
    places: list[Place], analysis: Analysis, turn_id: str, at: datetime
) -> list[Place]:
    for name in analysis.places:
        idx = next((i for i, p in enumerate(places) if _norm(p.name) == _norm(name)), None)
        if idx is None:
            places.append(Place(name=name, first_seen=at, last_seen=at, turn_ids=(turn_id,)))
        else:
            old = places[idx]
            places[idx] = old.model_copy(update={
                "mentions": old.mentions + 1, "last_seen": at,
                "turn_ids": _seen_in(old.turn_ids, turn_id),
            })
    return places


def _life_event(event: Event, turn_id: str, at: datetime) -> LifeEvent:
    return LifeEvent(
        text=event.text, predicate=event.predicate, agent=event.agent, patient=event.patient,
        participants=tuple(event.participants), place=event.place, time=event.time,
        time_value=event.time_value, score=event.score, turn_id=turn_id, said_at=at,
    )


def _feeling(analysis: Analysis, turn_id: str, at: datetime) -> FeelingPoint | None:
    if not analysis.feelings:
        return None
    top = max(analysis.feelings, key=lambda f: f.strength)
    pos = analysis.sentiment.get("positive", 0.0)
    neg = analysis.sentiment.get("negative", 0.0)
    return FeelingPoint(turn_id=turn_id, at=at, label=top.label, strength=top.strength,
                        valence=round(pos - neg, 3))


def apply_analysis(
    profile: Profile, analysis: Analysis, turn_id: str, seq: int, at: datetime
) -> Profile:
    """The profile after one more understood turn."""
    events = list(profile.events)
    events.extend(
        _life_event(e, turn_id, at)
        for e in analysis.events
        if e.happened and e.score >= EVENT_MIN_SCORE
    )
    arc = list(profile.arc)
    point = _feeling(analysis, turn_id, at)
    if point is not None:
        arc = (arc + [point])[-MAX_ARC_POINTS:]
    return profile.model_copy(update={
        "people": tuple(_merge_people(list(profile.people), analysis, turn_id, at)),
        "places": tuple(_merge_places(list(profile.places), analysis, turn_id, at)),
        "events": tuple(events),
        "arc": tuple(arc),
        "turns_applied": profile.turns_applied + 1,
        "last_seq": max(profile.last_seq, seq),
    })


def _unmention(items: tuple[Person, ...] | tuple[Place, ...], turn_id: str) -> list:
    kept = []
    for item in items:
        count = item.turn_ids.count(turn_id)
        if count == 0:
            kept.append(item)
        elif item.mentions > count:
            kept.append(item.model_copy(update={
                "mentions": item.mentions - count,
                "turn_ids": tuple(t for t in item.turn_ids if t != turn_id),
            }))
    return kept


def remove_turn(profile: Profile, turn_id: str) -> Profile:
    """The profile without what one turn contributed (its events, feeling and mentions)."""
    return profile.model_copy(update={
        "people": tuple(_unmention(profile.people, turn_id)),
        "places": tuple(_unmention(profile.places, turn_id)),
        "events": tuple(e for e in profile.events if e.turn_id != turn_id),
        "arc": tuple(p for p in profile.arc if p.turn_id != turn_id),
    })


def revise_analysis(
    profile: Profile, analysis: Analysis, turn_id: str, seq: int, at: datetime
) -> Profile:
    """The profile after an edited turn: its old contributions replaced by the new ones."""
    revised = apply_analysis(remove_turn(profile, turn_id), analysis, turn_id, seq, at)
    return revised.model_copy(update={"turns_applied": profile.turns_applied})


def timeline(profile: Profile) -> list[LifeEvent]:
    """The user's events in life order (undated ones last, in the order told)."""
    def key(e: LifeEvent) -> tuple[tuple[int, int, int], str]:
        when = e.time_value.sort_key if e.time_value is not None else (2, 0, 0)
        return (when, e.said_at.isoformat())
    return sorted(profile.events, key=key)
