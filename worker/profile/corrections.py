"""Corrections of what storyloom understood, said in plain sentences.

"Ana is my cousin, not my sister" sets a person's relation; "forget that I lived
in Faro" forgets what storyloom learned about Faro. :func:`recognise` reads the
sentence, :func:`make` checks it against the profile, and :func:`apply` is pure:
the NLU worker re-applies every stored correction after each update, so an
edited old message cannot bring a corrected fact back. Something told again
in a later message (a turn the correction did not cover) is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from nlu.people import RELATIONS
from worker.profile.model import LifeEvent, Person, Place, Profile
from worker.store.book_records import Correction

NAME = r"(?P<name>[^\W\d_][\w'’ .-]{0,58}?)"
REL = r"(?P<rel>[a-z][a-z -]{1,28}?)"
OLD = r"(?P<old>[a-z][a-z -]{1,28}?)"
POSS = r"(?:my|our)"
END = r"\s*[.!]?\s*$"
# "Ana is my cousin, not my sister" / "Ana is not my sister, she is my cousin"
_RELATION_NOT = re.compile(rf"^{NAME} is {POSS} {REL},? (?:and )?not {POSS} {OLD}{END}", re.I)
_NOT_RELATION = re.compile(
    rf"^{NAME} (?:is not|isn't|isn’t) {POSS} {OLD}[,;:]? (?:but |(?:she|he|they)(?:'s| is| are) "
    rf")?(?:{POSS} )?{REL}{END}", re.I)
# Only as /fix: "Ana is my cousin" (said in a chat, that is just something told)
_RELATION = re.compile(rf"^{NAME} is (?:actually |really )?{POSS} {REL}{END}", re.I)
_FORGET = re.compile(r"^(?:please )?forget (?:that |about |the fact that )(?P<what>.{2,200}?)"
                     + END, re.I)
_FORGET_CMD = re.compile(r"^(?:please )?forget (?:that |about |the fact that )?"
                         r"(?P<what>.{2,200}?)" + END, re.I)


@dataclass(frozen=True)
class Said:
    """A correction as read from the user's words, before it is checked."""

    kind: Literal["relation", "forget"]
    subject: str
    relation: str | None = None


def canonical_relation(word: str) -> str:
    """A relation word as the profile keeps it ("mum" -> "mother"); others as said."""
    word = " ".join(word.lower().split())
    found = RELATIONS.get(word)
    return found[0] if found else word


def recognise(text: str, command: bool = False) -> Said | None:
    """The correction a sentence makes; plain chat needs its clear forms, /fix fewer."""
    text = " ".join(text.split())
    for pattern in (_RELATION_NOT, _NOT_RELATION, *((_RELATION,) if command else ())):
        m = pattern.match(text)
        if m:
            return Said("relation", m.group("name").strip(), canonical_relation(m.group("rel")))
    m = (_FORGET_CMD if command else _FORGET).match(text)
    if m:
        return Said("forget", m.group("what").strip())
    return None


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _names(item: Person | Place) -> tuple[str, ...]:
    return (item.name, *item.aliases) if isinstance(item, Person) else (item.name,)


def _named_in(phrase: str, item: Person | Place) -> bool:
    folded = f" {_fold(phrase)} "
    return any(f" {_fold(n)} " in folded for n in _names(item) if _fold(n))


def find_person(profile: Profile, name: str) -> Person | None:
    """The person a correction names (by name or alias), if exactly one matches."""
    wanted = _fold(name)
    found = [p for p in profile.people if wanted in {_fold(n) for n in _names(p)}]
    return found[0] if len(found) == 1 else None


def make(profile: Profile, said: Said, words: str) -> Correction:
    """The correction to keep; applied=False when it names nothing storyloom knows."""
    previous = None
    matched: tuple[str, ...] = ()
    if said.kind == "relation":
        person = find_person(profile, said.subject)
        matched = (person.name,) if person else ()
        turns = person.turn_ids if person else ()
        previous = person.relation if person and person.relation != said.relation else None
    else:
        known: list[Person | Place] = [*profile.people, *profile.places,
                                       *profile.organisations]
        items = [x for x in known if _named_in(said.subject, x)]
        matched = tuple(x.name for x in items)
        events = _events_about(profile.events, matched)
        turns = tuple(dict.fromkeys([*(t for x in items for t in x.turn_ids),
                                     *(e.turn_id for e in events)]))
    return Correction(user=profile.user, kind=said.kind, subject=said.subject,
                      relation=said.relation, previous=previous, matched=matched,
                      turn_ids=turns, said=words, applied=bool(matched))


def _events_about(events: tuple[LifeEvent, ...], names: tuple[str, ...]) -> list[LifeEvent]:
    """Events that mention every one of the names (one name: every event about it)."""
    if not names:
        return []

    def mentions(e: LifeEvent, name: str) -> bool:
        text = " | ".join(filter(None, [e.text, e.place, e.agent, e.patient, *e.participants]))
        return f" {_fold(name)} " in f" {_fold(text)} "

    return [e for e in events if all(mentions(e, n) for n in names)]


def _set_relation(profile: Profile, c: Correction) -> Profile:
    person = find_person(profile, c.subject) or (
        find_person(profile, c.matched[0]) if c.matched else None)
    if person is None or c.relation is None:
        return profile
    gender = RELATIONS.get(c.relation, (c.relation, person.gender))[1]
    fixed = person.model_copy(update={"relation": c.relation, "gender": gender})
    return profile.model_copy(update={
        "people": tuple(fixed if p.person_id == person.person_id else p for p in profile.people),
        "events": tuple(_retold(e, person, c) for e in profile.events),
        "facts": tuple(f.model_copy(update={"predicate": c.relation})
                       if c.previous and f.predicate == c.previous
                       and _fold(f.object) in {_fold(n) for n in _names(person)} else f
                       for f in profile.facts),
    })


def _retold(event: LifeEvent, person: Person, c: Correction) -> LifeEvent:
    """An event that called the person by the old relation, in the corrected words."""
    if not c.previous or not c.relation or not any(
            f" {_fold(n)} " in f" {_fold(event.text)} " for n in _names(person)):
        return event
    words = sorted({c.previous, *(k for k, v in RELATIONS.items() if v[0] == c.previous)},
                   key=len, reverse=True)
    pattern = re.compile(rf"\b(my|our|your)\s+(?:{'|'.join(map(re.escape, words))})\b", re.I)
    text = pattern.sub(lambda m: f"{m.group(1)} {c.relation}", event.text)
    return event if text == event.text else event.model_copy(update={"text": text})


def _forget(profile: Profile, c: Correction) -> Profile:
    told = set(c.turn_ids)

    def only_then(item: Person | Place) -> bool:  # told again since: kept
        return set(item.turn_ids) <= told

    alone = len(c.matched) == 1
    gone = {_fold(n) for n in c.matched}

    def forgotten(item: Person | Place) -> bool:
        return alone and _fold(item.name) in gone and only_then(item)

    events = {e.event_id for e in _events_about(profile.events, c.matched) if e.turn_id in told}
    return profile.model_copy(update={
        "people": tuple(p for p in profile.people if not forgotten(p)),
        "places": tuple(p for p in profile.places if not forgotten(p)),
        "organisations": tuple(p for p in profile.organisations if not forgotten(p)),
        "events": tuple(e for e in profile.events if e.event_id not in events),
        "facts": tuple(f for f in profile.facts if not (
            _fold(f.object) in gone and set(f.turn_ids) <= told)),
    })


def apply(profile: Profile, corrections: list[Correction]) -> Profile:
    """The profile with every applied correction made again, oldest first."""
    for c in corrections:
        if not c.applied:
            continue
        profile = _set_relation(profile, c) if c.kind == "relation" else _forget(profile, c)
    return profile
