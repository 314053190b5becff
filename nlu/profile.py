"""Stored profile facts and how new statements update them: refresh, add, supersede, retract.

update_facts is pure: it takes the facts stored so far and the facts read from one turn and
returns the new list plus the contradictions to ask about ("Last month you said you lived in
Lisbon; now Porto. What changed?"). Superseded facts are kept, with the date they ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from nlu.schema import Fact, Record, normalise_value


class ProfileFact(Record):
    """A fact as stored in a user's profile, with when and where it was said."""

    subject: str
    predicate: str
    object: str
    first_seen: date
    last_seen: date
    turn_ids: list[str]
    superseded_at: date | None = None
    superseded_by: str | None = None  # the turn id that replaced or retracted it

    @property
    def active(self) -> bool:
        """True while no later statement has replaced or retracted it."""
        return self.superseded_at is None

    @property
    def key(self) -> tuple[str, ...]:
        """What a contradicting fact would replace; see fact_key."""
        return fact_key(Fact(subject=self.subject, predicate=self.predicate, object=self.object))


class Contradiction(Record):
    """A stored fact that a new statement replaced (new) or retracted (new is None)."""

    old: ProfileFact
    new: ProfileFact | None
    statement: Fact
    noted_at: date
    turn_id: str


class FactUpdate(Record):
    """The profile's facts after one turn, and the contradictions that turn raised."""

    facts: list[ProfileFact]
    contradictions: list[Contradiction]


_norm = normalise_value


def fact_key(fact: Fact) -> tuple[str, ...]:
    """(subject, predicate) for single-valued predicates, else (subject, predicate, object)."""
    return fact.key


def same_value(predicate: str, a: str, b: str) -> bool:
    """Whether two objects state the same thing (a birth year from an age may be off by one)."""
    if predicate == "birth_year" and a.isdigit() and b.isdigit():
        return abs(int(a) - int(b)) <= 1
    return _norm(a) == _norm(b)


def _retracts(negation: Fact, stored: ProfileFact) -> bool:
    """'I don't have a dog anymore' retracts 'Rex (dog)'; an empty object retracts any value."""
    if negation.predicate != stored.predicate or negation.subject != stored.subject:
        return False
    neg, old = _norm(negation.object), _norm(stored.object)
    return not neg or neg == old or neg in old.replace("(", " ").replace(")", " ").split()


def update_facts(existing: Sequence[ProfileFact], new: Sequence[Fact], turn_id: str,
                 when: date) -> FactUpdate:
    """Apply one turn's facts (said on ``when`` in turn ``turn_id``) to the stored facts.

    Assertions go first, then retractions, and a retraction never touches what this same
    turn asserted: "I don't live in Lisbon anymore, I live in Porto" is one replacement
    (Lisbon -> Porto), and "I'm divorced; I'm married to Ana now" keeps Ana.
    """
    facts = list(existing)
    contradictions: list[Contradiction] = []
    for fact in (f for f in new if not f.negated):
        _assert(facts, fact, turn_id, when, contradictions)
    for fact in (f for f in new if f.negated):
        _retract(facts, fact, turn_id, when, contradictions)
    return FactUpdate(facts=facts, contradictions=contradictions)


def _retire(fact: ProfileFact, turn_id: str, when: date) -> ProfileFact:
    return fact.model_copy(update={"superseded_at": when, "superseded_by": turn_id})


def _retract(facts: list[ProfileFact], fact: Fact, turn_id: str, when: date,
             out: list[Contradiction]) -> None:
    for n, stored in enumerate(facts):
        if stored.active and stored.turn_ids != [turn_id] and _retracts(fact, stored):
            facts[n] = _retire(stored, turn_id, when)
            out.append(Contradiction(old=facts[n], new=None, statement=fact, noted_at=when,
                                     turn_id=turn_id))


def _assert(facts: list[ProfileFact], fact: Fact, turn_id: str, when: date,
            out: list[Contradiction]) -> None:
    key = fact_key(fact)
    clashing = [n for n, f in enumerate(facts) if f.active and f.key == key]
    for n in clashing:
        stored = facts[n]
        if same_value(fact.predicate, stored.object, fact.object):
            ids = stored.turn_ids if turn_id in stored.turn_ids else [*stored.turn_ids, turn_id]
            facts[n] = stored.model_copy(update={"last_seen": max(stored.last_seen, when),
                                                 "turn_ids": ids})
            return
    added = ProfileFact(subject=fact.subject, predicate=fact.predicate, object=fact.object,
                        first_seen=when, last_seen=when, turn_ids=[turn_id])
    for n in clashing:
        facts[n] = _retire(facts[n], turn_id, when)
        out.append(Contradiction(old=facts[n], new=added, statement=fact, noted_at=when,
                                 turn_id=turn_id))
    facts.append(added)
