"""Lasting facts about the user, as subject-predicate-object."""

from __future__ import annotations

from datetime import date

from spacy.tokens import Doc

from nlu.people import PeopleResult
from nlu.schema import Fact


def extract_facts(doc: Doc, when: date | None, people: PeopleResult | None = None) -> list[Fact]:
    """Profile facts stated in doc (first cut: spouse from named wife/husband mentions)."""
    facts = []
    for p in people.people if people else []:
        if p.name and p.relation in ("wife", "husband"):
            facts.append(Fact(subject="user", predicate="spouse", object=p.name))
    return facts
