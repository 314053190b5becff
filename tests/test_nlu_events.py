"""Event extractor on hand-built parses: one component, no statistical model involved."""

from __future__ import annotations

from datetime import date

import pytest
import spacy
from spacy.tokens import Doc

from nlu.events import extract_events, timeline
from nlu.parse import Parse
from nlu.schema import Event, TimeValue
from nlu.timex import find_times

VOCAB = spacy.blank("en").vocab


def make_doc(rows: list[tuple[str, str, str, str, str, int]], ents: list[str] | None = None) -> Doc:
    """rows: (word, lemma, pos, tag, dep, head index)."""
    words, lemmas, pos, tags, deps, heads = (list(col) for col in zip(*rows, strict=True))
    return Doc(VOCAB, words=words, lemmas=lemmas, pos=pos, tags=tags, deps=deps, heads=heads,
               ents=ents)


def only(events: list[Event]) -> Event:
    assert len(events) == 1, events
    return events[0]


def test_who_did_what_where_when() -> None:
    doc = make_doc([
        ("We", "we", "PRON", "PRP", "nsubj", 1),
        ("moved", "move", "VERB", "VBD", "ROOT", 1),
        ("to", "to", "ADP", "IN", "prep", 1),
        ("Lisbon", "Lisbon", "PROPN", "NNP", "pobj", 2),
        ("in", "in", "ADP", "IN", "prep", 1),
        ("1998", "1998", "NUM", "CD", "pobj", 4),
        (".", ".", "PUNCT", ".", "punct", 1),
    ], ents=["O", "O", "O", "B-GPE", "O", "B-DATE", "O"])
    event = only(extract_events(Parse.of(doc), find_times(doc.text, date(2026, 1, 1))))
    assert (event.predicate, event.agent, event.place, event.time) == ("move", "We", "Lisbon",
                                                                      "1998")
    assert event.time_value is not None and event.time_value.start == date(1998, 1, 1)
    assert not event.negated and event.modality is None
    assert event.score > 0.9


def test_never_marks_the_event_negated_and_unlikely() -> None:
    doc = make_doc([
        ("I", "I", "PRON", "PRP", "nsubj", 2),
        ("never", "never", "ADV", "RB", "neg", 2),
        ("went", "go", "VERB", "VBD", "ROOT", 2),
        ("to", "to", "ADP", "IN", "prep", 2),
        ("Paris", "Paris", "PROPN", "NNP", "pobj", 3),
    ], ents=["O", "O", "O", "O", "B-GPE"])
    event = only(extract_events(Parse.of(doc)))
    assert event.negated and not event.happened
    assert event.place == "Paris"
    assert event.score < 0.5


def test_want_to_go_is_one_event_with_modality_and_inherited_agent() -> None:
    doc = make_doc([
        ("I", "I", "PRON", "PRP", "nsubj", 1),
        ("want", "want", "VERB", "VBP", "ROOT", 1),
        ("to", "to", "PART", "TO", "aux", 3),
        ("go", "go", "VERB", "VB", "xcomp", 1),
        ("with", "with", "ADP", "IN", "prep", 3),
        ("my", "my", "PRON", "PRP$", "poss", 6),
        ("brother", "brother", "NOUN", "NN", "pobj", 4),
    ])
    event = only(extract_events(Parse.of(doc)))
    assert (event.predicate, event.agent, event.modality) == ("go", "I", "want")
    assert event.participants == ["my brother"]
    assert not event.happened


def test_modal_auxiliary_and_passive() -> None:
    doc = make_doc([
        ("I", "I", "PRON", "PRP", "nsubjpass", 3),
        ("might", "might", "AUX", "MD", "aux", 3),
        ("get", "get", "AUX", "VB", "auxpass", 3),
        ("promoted", "promote", "VERB", "VBN", "ROOT", 3),
    ])
    event = only(extract_events(Parse.of(doc)))
    assert event.modality == "possibility" and event.patient == "I" and event.agent is None


def test_timeline_orders_dated_then_aged_then_undated() -> None:
    def ev(tv: TimeValue | None, n: int) -> Event:
        return Event(text="x", predicate="go", time_value=tv, sentence=n)

    later = ev(TimeValue(text="in 2001", start=date(2001, 1, 1), end=date(2001, 12, 31),
                         precision="year"), 0)
    earlier = ev(TimeValue(text="in 1990", start=date(1990, 1, 1), end=date(1990, 12, 31),
                           precision="year"), 1)
    child = ev(TimeValue(text="when I was seven", precision="age", age=7, age_end=7), 2)
    undated = ev(None, 3)
    assert timeline([undated, child, later, earlier]) == [earlier, later, child, undated]


@pytest.mark.parametrize("words", [[], ["?"], ["\x00"]])
def test_degenerate_docs_give_no_events(words: list[str]) -> None:
    doc = Doc(VOCAB, words=words)
    assert extract_events(Parse.of(doc)) == []
