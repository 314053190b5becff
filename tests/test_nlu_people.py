"""People: relation words, names, aliases within a message, pronouns, linking across messages."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.people import link_people
from nlu.pipeline import Analyzer
from nlu.schema import PersonMention

SAID = date(2026, 11, 28)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def people(analyzer: Analyzer, text: str) -> list[tuple[str | None, str | None]]:
    return [(p.name, p.relation) for p in analyzer.analyze(text, SAID).people]


@pytest.mark.parametrize(("text", "expected"), [
    ("My grandmother Maria taught me to knit.", [("Maria", "grandmother")]),
    ("Maria, my grandmother, taught me to knit.", [("Maria", "grandmother")]),
    ("My brother called.", [(None, "brother")]),
    ("I had lunch with Tom from work.", [("Tom", "colleague")]),
    ("My best friend Sam moved to Berlin.", [("Sam", "friend")]),
    ("Grandma baked bread.", [(None, "grandmother")]),
    ("His mother was kind to me.", []),
])
def test_relations_and_names(analyzer: Analyzer, text: str,
                             expected: list[tuple[str | None, str | None]]) -> None:
    assert people(analyzer, text) == expected


def test_aliases_merge_within_a_message(analyzer: Analyzer) -> None:
    a = analyzer.analyze("My grandmother Maria lived by the sea. Grandma loved it there, "
                         "and Maria swam every day.", SAID)
    (maria,) = a.people
    assert (maria.name, maria.relation) == ("Maria", "grandmother")
    assert {"Grandma", "Maria"} <= set(maria.aliases)


def test_two_friends_keep_an_ambiguous_mention_apart(analyzer: Analyzer) -> None:
    found = people(analyzer, "I saw my friend Sam and my friend Tom. My friend said hi.")
    assert ("Sam", "friend") in found and ("Tom", "friend") in found and len(found) == 3


def test_pronouns_resolve_to_the_latest_compatible_person(analyzer: Analyzer) -> None:
    a = analyzer.analyze("My brother Tom and my grandmother Maria came over. She cooked "
                         "dinner and he washed the dishes.", SAID)
    agents = {e.predicate: e.agent for e in a.events}
    assert agents["cook"] == "Maria"
    assert agents["wash"] == "Tom"


def test_they_prefers_a_group(analyzer: Analyzer) -> None:
    a = analyzer.analyze("My parents met in Porto. They married in 1975.", SAID)
    marry = next(e for e in a.events if e.predicate == "marry")
    assert marry.agent == "My parents"
    assert marry.time_value is not None and marry.time_value.start == date(1975, 1, 1)


def test_linking_across_messages(analyzer: Analyzer) -> None:
    known = analyzer.analyze("My grandmother Maria was born in Braga.", SAID).people
    for later, relation in (("Grandma made soup.", "grandmother"),
                            ("Gran was funny.", "grandmother"),
                            ("Maria sang to me.", None)):
        new = analyzer.analyze(later, SAID).people
        link = link_people(known, new)
        assert link.matches == [0], later
        assert link.people[0].name == "Maria" and len(link.people) == 1
        assert new[0].relation == relation
    brother = analyzer.analyze("My brother visited.", SAID).people
    link = link_people(known, brother)
    assert link.matches == [1] and link.people[1].relation == "brother"


def test_linking_refuses_to_guess_between_two_grandmothers() -> None:
    known = [PersonMention(name="Maria", relation="grandmother", text="my grandmother Maria",
                           aliases=["Maria"]),
             PersonMention(name="Rosa", relation="grandmother", text="my grandmother Rosa",
                           aliases=["Rosa"])]
    grandma = PersonMention(relation="grandmother", text="Grandma", aliases=["Grandma"])
    link = link_people(known, [grandma])
    assert link.matches == [2] and len(link.people) == 3
    named = PersonMention(name="Rosa", text="Rosa", aliases=["Rosa"])
    assert link_people(known, [named]).matches == [1]
