"""The JSON-lines helper: one output line per input line, errors in place, order kept."""

from __future__ import annotations

import io
import json

import pytest

from nlu import jsonl
from nlu.pipeline import Analyzer


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def run(analyzer: Analyzer, lines: list[str], batch_size: int = 256) -> list[dict]:
    out = io.StringIO()
    written = jsonl.run(io.StringIO("\n".join(lines) + "\n"), out, analyzer, batch_size)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert written == len(records)
    return records


def test_fields_of_an_analysed_line(analyzer: Analyzer) -> None:
    line = json.dumps({"id": "a1", "date": "2026-11-28",
                       "text": "Last summer my grandmother Maria took me to Nazaré. "
                               "I live in Porto. I was so happy."})
    (rec,) = run(analyzer, [line])
    assert rec["id"] == "a1"
    assert {"entities", "events", "event_score", "emotions", "emotion_labels", "ekman",
            "sentiment", "facts"} <= set(rec)
    assert any(e["text"] == "Maria" and e["label"] == "PERSON" for e in rec["entities"])
    take = rec["events"][0]
    assert take["predicate"] == "take" and take["place"] == "Nazaré"
    assert take["time_value"]["start"] == "2026-06-01"
    assert len(rec["emotions"]) == 28 and len(rec["ekman"]) == 7
    assert set(rec["sentiment"]) == {"positive", "negative", "ambiguous", "neutral"}
    assert {"subject": "user", "predicate": "lives_in", "object": "Porto",
            "negated": False} in rec["facts"]


def test_malformed_lines_get_errors_and_processing_continues(analyzer: Analyzer) -> None:
    lines = [
        json.dumps({"id": 1, "text": "I went to Paris."}),
        "{not json",
        json.dumps({"id": 2, "text": 42}),
        "",
        json.dumps({"id": 3, "text": "Hi", "date": "last tuesday"}),
        json.dumps([1, 2, 3]),
        json.dumps({"id": 4, "text": "I went to Rome yesterday.", "date": "2026-11-28"}),
    ]
    records = run(analyzer, lines, batch_size=2)
    assert [r.get("id") for r in records] == [1, None, 2, 3, None, 4]
    assert ["error" in r for r in records] == [False, True, True, True, True, False]
    assert "JSON" in records[1]["error"] and '"text"' in records[2]["error"]
    assert records[5]["events"][0]["time_value"]["start"] == "2026-11-27"


def test_control_characters_and_unicode_survive(analyzer: Analyzer) -> None:
    (rec,) = run(analyzer, [json.dumps({"id": "u", "text": "Olá\u0000 avó \u202e ☀"})])
    assert rec["id"] == "u" and "error" not in rec
