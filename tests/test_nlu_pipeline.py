"""The whole NLU stage on realistic first-person messages, with the real spaCy pipeline."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import pytest

from nlu.pipeline import Analyzer
from nlu.schema import Analysis
from nlu.textclean import MAX_CHARS

SAID = date(2026, 11, 28)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_story_message_gives_event_people_place_time_feeling(analyzer: Analyzer) -> None:
    a = analyzer.analyze("My grandmother Maria took me to the beach in Nazaré last summer. "
                         "I was so happy.", SAID)
    event = a.events[0]
    assert (event.predicate, event.agent, event.place) == ("take", "My grandmother Maria",
                                                           "Nazaré")
    assert event.time_value is not None and event.time_value.start == date(2026, 6, 1)
    assert a.event_score > 0.8
    grandma = a.people[0]
    assert (grandma.name, grandma.relation) == ("Maria", "grandmother")
    assert "Nazaré" in a.places
    assert [f.label for f in a.feelings] == ["joy"]


def test_entities_have_offsets_into_the_text(analyzer: Analyzer) -> None:
    text = "In 2019 I started working at Google in London with my friend Sam."
    a = analyzer.analyze(text, SAID)
    labels = {e.label for e in a.entities}
    assert {"DATE", "ORG", "GPE", "PERSON"} <= labels
    for e in a.entities:
        assert text[e.start:e.end] == e.text
    assert a.organisations == ["Google"]


def test_opinion_scores_lower_than_narration(analyzer: Analyzer) -> None:
    story = analyzer.analyze("We moved to Lisbon when I was seven.", SAID)
    opinion = analyzer.analyze("I like tea.", SAID)
    assert story.event_score > 0.8 > 0.5 > opinion.event_score
    mixed = analyzer.analyze("I like tea. We moved to Lisbon in 1998. Nice weather!", SAID)
    assert mixed.sentence_scores[1] > 0.8 > 0.5 > mixed.sentence_scores[0]
    assert mixed.sentence_scores[2] == 0.0


def test_stream_keeps_order_ids_and_dates(analyzer: Analyzer) -> None:
    items = [(f"m{i}", f"I went to Porto {when}.", day)
             for i, (when, day) in enumerate([("yesterday", SAID), ("yesterday", date(2020, 1, 2)),
                                              ("last week", None)])]
    out = list(analyzer.analyze_stream(iter(items), batch_size=2))
    assert [a.id for a in out] == ["m0", "m1", "m2"]
    assert out[0].times[0].start == date(2026, 11, 27)
    assert out[1].times[0].start == date(2020, 1, 1)
    assert out[2].times[0].start is None


BAD_INPUTS = ["", "   ", "\x00\x01\x02 hello \x7f\x9b", "\ud800 broken",
              "昨日、祖母と海に行きました。", "Ontem fui à praia com a minha avó.",
              "🙂🙂🙂", "!!!???..."]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_an_analysis_not_a_crash(analyzer: Analyzer, text: str) -> None:
    a = analyzer.analyze(text, SAID)
    assert isinstance(a, Analysis)
    assert a.text_len == len(text) and not a.truncated
    assert set(a.sentiment) == {"positive", "negative", "ambiguous", "neutral"}
    a.model_dump_json()  # serialisable


def test_megabyte_text_is_truncated_and_flagged(analyzer: Analyzer) -> None:
    text = "I walked to the park with my dog yesterday. " * 25_000
    a = analyzer.analyze(text, SAID)
    assert a.truncated and a.text_len == len(text) > MAX_CHARS
    assert a.events and max(e.sentence for e in a.events) < 1000


def test_negation_and_modality_mark_events_that_did_not_happen(analyzer: Analyzer) -> None:
    a = analyzer.analyze("I never went to Paris. I want to go to Japan. I might call Sam. "
                         "I didn't call my mother. We drove to Porto last week.", SAID)
    by_place = {e.place: e for e in a.events if e.place}
    assert by_place["Paris"].negated and not by_place["Paris"].happened
    assert by_place["Japan"].modality == "want" and not by_place["Japan"].happened
    call_sam = next(e for e in a.events if e.patient == "Sam")
    assert call_sam.modality == "possibility"
    call_mum = next(e for e in a.events if e.patient == "my mother")
    assert call_mum.negated
    drove = by_place["Porto"]
    assert drove.happened and drove.score > max(e.score for e in a.events if not e.happened)


def test_age_times_use_the_birth_year_when_given(analyzer: Analyzer) -> None:
    a = analyzer.analyze("When I was seven, we moved to Lisbon.", SAID, birth_year=1985)
    move = next(e for e in a.events if e.predicate == "move")
    assert move.time_value is not None and move.time_value.age == 7
    assert move.time_value.start == date(1992, 1, 1)


def test_stream_is_lazy_on_an_endless_input(analyzer: Analyzer) -> None:
    def endless() -> Iterator[tuple[str, str, date | None]]:
        n = 0
        while True:
            n += 1
            yield (str(n), "I went to the park with my dog.", SAID)

    first = list(itertools.islice(analyzer.analyze_stream(endless(), batch_size=8), 3))
    assert [a.id for a in first] == ["1", "2", "3"]


def test_the_goemotions_classifier_plugs_in() -> None:
    emotions = pytest.importorskip("nlu.emotions")
    classifier = emotions.EmotionClassifier.load()
    a = Analyzer(emotions=classifier).analyze("I miss my grandmother so much.", SAID)
    assert set(a.emotions) == set(emotions.LABELS) and set(a.ekman) == set(emotions.EKMAN)


def test_a_stream_scores_each_turns_feelings_as_if_it_came_alone(analyzer: Analyzer) -> None:
    # A batch's emotion scoring is split in chunks that two threads take in turn; no turn
    # may get another's scores, or scores that depend on its neighbours.
    texts = ["I miss my grandmother so much.", "Thank you so much for listening!",
             "We drove to Porto last summer and it was the best trip ever.", "",
             "I'm scared the test results will be bad.", "ok", "This is disgusting.",
             "My brother Tom called me yesterday and I laughed all evening."] * 9
    items = [(f"t{i}", text, SAID) for i, text in enumerate(texts)]
    together = list(analyzer.analyze_stream(items, batch_size=len(items)))
    for item, a in zip(items[:8], together[:8], strict=True):
        alone = analyzer.analyze(item[1], SAID)
        assert a.emotion_labels == alone.emotion_labels
        assert all(abs(a.emotions[k] - alone.emotions[k]) <= 2e-4 for k in a.emotions)
    assert [a.emotion_labels for a in together[:8]] * 9 == [a.emotion_labels for a in together]
    assert together[0].emotion_labels[0] == "sadness"
    assert together[1].emotion_labels == ["gratitude"]
