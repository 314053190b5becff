"""Profile facts read from first-person messages, and how later statements update them."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.pipeline import Analyzer
from nlu.profile import ProfileFact, fact_key, update_facts
from nlu.schema import Fact

SAID = date(2026, 11, 28)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def facts_of(analyzer: Analyzer, text: str) -> set[tuple[str, str, bool]]:
    return {(f.predicate, f.object, f.negated) for f in analyzer.analyze(text, SAID).facts}


@pytest.mark.parametrize(("text", "fact"), [
    ("I work as a nurse at the local hospital.", ("occupation", "nurse", False)),
    ("I have two kids.", ("children", "2", False)),
    ("I have a son and a daughter.", ("children", "2", False)),
    ("I grew up in Lisbon.", ("grew_up_in", "Lisbon", False)),
    ("I only eat kosher.", ("diet", "kosher", False)),
    ("I live in Porto now.", ("lives_in", "Porto", False)),
    ("I am 34.", ("birth_year", "1992", False)),
    ("I was born in 1990.", ("birth_year", "1990", False)),
    ("I'm married to Ana.", ("spouse", "Ana", False)),
    ("I have a dog called Rex.", ("pet", "Rex (dog)", False)),
    ("I don't work as a nurse anymore.", ("occupation", "nurse", True)),
    ("I'm not married anymore.", ("spouse", "", True)),
    ("My favourite book is Dune.", ("favourite_book", "Dune", False)),
    ("My wife Ana and I went to the beach.", ("spouse", "Ana", False)),
])
def test_first_person_facts(analyzer: Analyzer, text: str, fact: tuple[str, str, bool]) -> None:
    assert fact in facts_of(analyzer, text)


@pytest.mark.parametrize("text", ["I'm a mess today.", "I'm 5 minutes away.",
                                  "My sister lives in Lisbon.", "Do you live in Porto?"])
def test_no_fact_where_none_is_stated(analyzer: Analyzer, text: str) -> None:
    assert not {f for f in facts_of(analyzer, text) if f[0] in ("occupation", "birth_year",
                                                                 "lives_in")}


def test_past_residence_is_history_not_current(analyzer: Analyzer) -> None:
    facts = facts_of(analyzer, "I used to live in Lisbon but now I live in Porto.")
    assert ("lives_in", "Porto", False) in facts
    assert ("lived_in", "Lisbon", False) in facts
    assert ("lives_in", "Lisbon", False) not in facts


def test_keys_single_and_multi_valued() -> None:
    assert fact_key(Fact(subject="user", predicate="lives_in", object="Porto")) == (
        "user", "lives_in")
    assert fact_key(Fact(subject="user", predicate="pet", object="Rex (dog)")) == (
        "user", "pet", "rex (dog)")


def test_moving_supersedes_and_raises_a_contradiction(analyzer: Analyzer) -> None:
    first = analyzer.analyze("I live in Lisbon.", date(2026, 10, 1)).facts
    state = update_facts([], first, "turn-1", date(2026, 10, 1))
    assert not state.contradictions
    later = analyzer.analyze("I live in Porto now.", date(2026, 11, 28)).facts
    state = update_facts(state.facts, later, "turn-9", date(2026, 11, 28))
    (c,) = state.contradictions
    assert (c.old.object, c.new.object if c.new else None) == ("Lisbon", "Porto")
    assert c.old.superseded_at == date(2026, 11, 28) and c.old.superseded_by == "turn-9"
    assert c.old.first_seen == date(2026, 10, 1)
    active = [f.object for f in state.facts if f.active and f.predicate == "lives_in"]
    assert active == ["Porto"]


def stored(predicate: str, obj: str, day: date = date(2026, 1, 5)) -> ProfileFact:
    return ProfileFact(subject="user", predicate=predicate, object=obj, first_seen=day,
                       last_seen=day, turn_ids=["t1"])


def test_repeating_a_fact_refreshes_it() -> None:
    state = update_facts([stored("occupation", "nurse")],
                         [Fact(subject="user", predicate="occupation", object="Nurse")],
                         "t2", date(2026, 3, 1))
    (f,) = state.facts
    assert f.active and f.last_seen == date(2026, 3, 1) and f.turn_ids == ["t1", "t2"]
    assert not state.contradictions


def test_negation_retracts_without_adding() -> None:
    state = update_facts([stored("occupation", "nurse")],
                         [Fact(subject="user", predicate="occupation", object="nurse",
                               negated=True)], "t3", date(2026, 4, 1))
    (f,) = state.facts
    assert not f.active and f.superseded_at == date(2026, 4, 1)
    (c,) = state.contradictions
    assert c.new is None and c.statement.negated


def test_negating_another_value_changes_nothing() -> None:
    state = update_facts([stored("lives_in", "Porto")],
                         [Fact(subject="user", predicate="lives_in", object="Lisbon",
                               negated=True)], "t4", date(2026, 4, 1))
    assert state.facts[0].active and not state.contradictions


def test_multi_valued_facts_accumulate_and_a_pet_can_die() -> None:
    state = update_facts([stored("pet", "Rex (dog)")],
                         [Fact(subject="user", predicate="pet", object="Tom (cat)")],
                         "t5", date(2026, 5, 1))
    assert [f.object for f in state.facts if f.active] == ["Rex (dog)", "Tom (cat)"]
    state = update_facts(state.facts, [Fact(subject="user", predicate="pet", object="dog",
                                            negated=True)], "t6", date(2026, 6, 1))
    assert [f.object for f in state.facts if f.active] == ["Tom (cat)"]


def test_birth_year_from_age_tolerates_the_unknown_birthday() -> None:
    state = update_facts([stored("birth_year", "1990")],
                         [Fact(subject="user", predicate="birth_year", object="1991")],
                         "t7", date(2026, 6, 1))
    assert not state.contradictions and len(state.facts) == 1


@pytest.mark.parametrize("text", ["I don't live in Lisbon anymore, I live in Porto now.",
                                  "I used to live in Lisbon but now I live in Porto."])
def test_moving_in_one_sentence_is_one_replacement(analyzer: Analyzer, text: str) -> None:
    state = update_facts([stored("lives_in", "Lisbon")], analyzer.analyze(text, SAID).facts,
                         "t8", SAID)
    (c,) = state.contradictions
    assert c.old.object == "Lisbon" and c.new is not None and c.new.object == "Porto"
    assert [f.object for f in state.facts if f.active and f.predicate == "lives_in"] == ["Porto"]


def test_a_retraction_spares_what_the_same_turn_asserts() -> None:
    said = [Fact(subject="user", predicate="spouse", object="", negated=True),
            Fact(subject="user", predicate="spouse", object="Ana")]
    state = update_facts([stored("spouse", "Rui")], said, "t9", SAID)
    assert [f.object for f in state.facts if f.active] == ["Ana"]
