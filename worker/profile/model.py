"""The user profile: people, places, events, facts and feelings storyloom understood.

``apply_analysis`` is a pure function: the NLU worker calls it inside the
store's exactly-once transaction. Everything in the profile remembers the
turns it came from, so an edited or withdrawn turn can be taken back out
(``withdraw_turn``).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from nlu.people import link_people
from nlu.profile import Contradiction, ProfileFact, update_facts
from nlu.schema import Analysis, Event, PersonMention, TimeValue
from worker.store.records import Record, new_id

# Below this "narrates an event" score a sentence is chit-chat, not a life event.
EVENT_MIN_SCORE = 0.5
# The arc keeps one point per turn; a long life of chatting stays bounded.
MAX_ARC_POINTS = 2000
# Contradictions wait to be asked about; only the latest few are kept.
MAX_OPEN_CONTRADICTIONS = 20
# Which turns mentioned a person or place (newest kept), so an edited turn can take
# its mentions back; older mentions only stay counted.
MAX_PROVENANCE = 100


class Person(Record):
    """Someone in the user's life."""

    person_id: str = Field(default_factory=new_id)
    name: str
    relation: str | None = None
    gender: str | None = None
    aliases: tuple[str, ...] = ()
    mentions: int = 1
    first_seen: datetime
    last_seen: datetime
    turn_ids: tuple[str, ...] = ()


class Place(Record):
    """A place (or, with kind="organisation", an organisation) in the user's life."""

    place_id: str = Field(default_factory=new_id)
    name: str
    kind: str = "place"
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
    organisations: tuple[Place, ...] = ()
    events: tuple[LifeEvent, ...] = ()
    facts: tuple[ProfileFact, ...] = ()
    contradictions: tuple[Contradiction, ...] = ()
    arc: tuple[FeelingPoint, ...] = ()
    turns_applied: int = 0
    last_seq: int = 0
    # the interviewer's memory: slots asked ("person:joe"), subjects the user declined
    asked: tuple[str, ...] = ()
    declined: tuple[str, ...] = ()

    @property
    def birth_year(self) -> int | None:
        """The user's birth year, when a current fact states it."""
        for fact in self.facts:
            if fact.active and fact.predicate == "birth_year" and fact.object.isdigit():
                return int(fact.object)
        return None


_TITLES = {"mrs": "female", "ms": "female", "miss": "female", "madam": "female",
           "aunt": "female", "auntie": "female", "grandma": "female", "mr": "male",
           "sir": "male", "uncle": "male", "grandpa": "male"}


def gender_of(person: Person) -> str | None:
    """The person's gender as told, or as their title says ("Mrs Lamara", "Mr Pillay")."""
    first = person.name.split()[0].lower().rstrip(".") if person.name.split() else ""
    return person.gender or _TITLES.get(first)


def display_name(mention: PersonMention) -> str | None:
    """How a person is shown: their name, else 'your <relation>'."""
    if mention.name:
        return mention.name
    return f"your {mention.relation}" if mention.relation else None


def _as_mention(person: Person) -> PersonMention:
    name = None if person.name.startswith("your ") else person.name
    return PersonMention(name=name, relation=person.relation, text=person.name,
                         aliases=list(person.aliases), gender=person.gender)


def _seen_in(turn_ids: tuple[str, ...], turn_id: str) -> tuple[str, ...]:
    return (*turn_ids, turn_id)[-MAX_PROVENANCE:]


def _merge_people(people: tuple[Person, ...], analysis: Analysis, turn_id: str,
                  at: datetime) -> tuple[Person, ...]:
    new = [m for m in analysis.people if display_name(m)]
    linked = link_people([_as_mention(p) for p in people], new)
    out = list(people)
    for index in sorted(set(linked.matches)):
        merged = linked.people[index]
        label = display_name(merged) or merged.text
        aliases = tuple(sorted({a for a in (*merged.aliases, merged.text) if a != label}))
        if index < len(out):
            old = out[index]
            out[index] = old.model_copy(update={
                "name": label, "relation": merged.relation, "gender": merged.gender,
                "aliases": aliases, "mentions": old.mentions + 1, "last_seen": at,
                "turn_ids": _seen_in(old.turn_ids, turn_id),
            })
        else:
            out.append(Person(name=label, relation=merged.relation, gender=merged.gender,
                              aliases=aliases, first_seen=at, last_seen=at, turn_ids=(turn_id,)))
    return tuple(out)


def _merge_named(known: tuple[Place, ...], names: list[str], kind: str, turn_id: str,
                 at: datetime) -> tuple[Place, ...]:
    out = list(known)
    for name in dict.fromkeys(names):
        key = " ".join(name.casefold().split())
        idx = next((i for i, p in enumerate(out) if " ".join(p.name.casefold().split()) == key),
                   None)
        if idx is None:
            out.append(Place(name=name, kind=kind, first_seen=at, last_seen=at,
                             turn_ids=(turn_id,)))
        else:
            old = out[idx]
            out[idx] = old.model_copy(update={"mentions": old.mentions + 1, "last_seen": at,
                                              "turn_ids": _seen_in(old.turn_ids, turn_id)})
    return tuple(out)


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
) -> tuple[Profile, list[Contradiction]]:
    """The profile after one more understood turn, and the contradictions it raised."""
    events = [*profile.events, *(
        _life_event(e, turn_id, at)
        for e in analysis.events if e.happened and e.score >= EVENT_MIN_SCORE
    )]
    point = _feeling(analysis, turn_id, at)
    arc = [*profile.arc, point][-MAX_ARC_POINTS:] if point else list(profile.arc)
    facts = update_facts(profile.facts, analysis.facts, turn_id, at.date())
    contradictions = [*profile.contradictions, *facts.contradictions]
    updated = profile.model_copy(update={
        "people": _merge_people(profile.people, analysis, turn_id, at),
        "places": _merge_named(profile.places, analysis.places, "place", turn_id, at),
        "organisations": _merge_named(profile.organisations, analysis.organisations,
                                      "organisation", turn_id, at),
        "events": tuple(events),
        "facts": tuple(facts.facts),
        "contradictions": tuple(contradictions[-MAX_OPEN_CONTRADICTIONS:]),
        "arc": tuple(arc),
        "turns_applied": profile.turns_applied + 1,
        "last_seq": max(profile.last_seq, seq),
    })
    return updated, facts.contradictions


def _without(items: tuple[Person, ...] | tuple[Place, ...], turn_ids: set[str]) -> tuple:
    out = []
    for item in items:
        gone = sum(1 for t in item.turn_ids if t in turn_ids)
        if gone == 0:
            out.append(item)
        elif item.mentions > gone:  # mentioned elsewhere too (maybe beyond MAX_PROVENANCE)
            out.append(item.model_copy(update={
                "mentions": item.mentions - gone,
                "turn_ids": tuple(t for t in item.turn_ids if t not in turn_ids),
            }))
    return tuple(out)


def _facts_without(facts: tuple[ProfileFact, ...], turn_ids: set[str]) -> tuple[ProfileFact, ...]:
    out = []
    for fact in facts:
        kept = [t for t in fact.turn_ids if t not in turn_ids]
        if not kept:
            continue
        update: dict[str, object] = {"turn_ids": kept}
        if fact.superseded_by in turn_ids:  # what retired it is gone: it is current again
            update |= {"superseded_at": None, "superseded_by": None}
        out.append(fact.model_copy(update=update))
    return tuple(out)


def withdraw_turns(profile: Profile, turn_ids: set[str]) -> Profile:
    """The profile without what these turns contributed (an edit or a withdrawal)."""
    return profile.model_copy(update={
        "people": _without(profile.people, turn_ids),
        "places": _without(profile.places, turn_ids),
        "organisations": _without(profile.organisations, turn_ids),
        "events": tuple(e for e in profile.events if e.turn_id not in turn_ids),
        "facts": _facts_without(profile.facts, turn_ids),
        "contradictions": tuple(c for c in profile.contradictions if c.turn_id not in turn_ids),
        "arc": tuple(p for p in profile.arc if p.turn_id not in turn_ids),
    })


def revise_analysis(
    profile: Profile, analysis: Analysis, turn_id: str, seq: int, at: datetime
) -> tuple[Profile, list[Contradiction]]:
    """The profile after an edited turn: its old contributions replaced by the new ones."""
    revised, contradictions = apply_analysis(
        withdraw_turns(profile, {turn_id}), analysis, turn_id, seq, at)
    return revised.model_copy(update={"turns_applied": profile.turns_applied}), contradictions


def timeline(profile: Profile) -> list[LifeEvent]:
    """The user's events in life order (undated ones last, in the order told)."""
    birth = profile.birth_year

    def key(e: LifeEvent) -> tuple[tuple[int, int, int], str]:
        tv = e.time_value
        if tv is not None and tv.start is None and tv.age is not None and birth is not None:
            # "when I was seven" sorts as a year once the birth year is known
            start = date(birth + tv.age, 1, 1).toordinal()
            return ((0, start, start), e.said_at.isoformat())
        when = tv.sort_key if tv is not None else (2, 0, 0)
        return (when, e.said_at.isoformat())

    return sorted(profile.events, key=key)
