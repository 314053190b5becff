"""JSON lines in, JSON lines out: one analysis (or one error) per input line, in order.

Input lines: {"id": ..., "text": "...", "date": "2026-11-28" (optional ISO date)}.
A malformed line yields {"id": ..., "error": "..."} and processing continues. Blank lines
are skipped. `python -m nlu.jsonl < in.jsonl > out.jsonl` runs it.
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any, TextIO

from nlu.pipeline import Analyzer, default_analyzer
from nlu.schema import Analysis


class BadLine(ValueError):
    """An input line that cannot be analysed; the message says why."""


def parse_line(line: str) -> tuple[Any, str, date | None]:
    """(id, text, date) from one input line, or BadLine."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise BadLine("line is not a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise BadLine('"text" must be a string')
    raw = record.get("date")
    if raw is None:
        return record.get("id"), text, None
    try:
        return record.get("id"), text, date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise BadLine(f'"date" is not an ISO date: {str(raw)[:40]!r}') from None


def to_json(a: Analysis, id: Any) -> dict[str, Any]:
    """The output record for one analysis."""
    dumped = a.model_dump(mode="json", include={"entities", "events", "event_score",
                                                "emotions", "emotion_labels", "ekman",
                                                "sentiment", "facts"})
    return {"id": id, **dumped}


def _id_of(line: str) -> Any:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record.get("id") if isinstance(record, dict) else None


def _chunk_results(lines: list[str], analyzer: Analyzer, batch_size: int
                   ) -> Iterator[dict[str, Any]]:
    parsed: list[tuple[Any, str, date | None] | BadLine] = []
    for line in lines:
        try:
            parsed.append(parse_line(line))
        except BadLine as exc:
            parsed.append(exc)
    good = [p for p in parsed if not isinstance(p, BadLine)]
    analyses = analyzer.analyze_stream(((None, t, d) for _, t, d in good), batch_size)
    for line, p in zip(lines, parsed, strict=True):
        if isinstance(p, BadLine):
            yield {"id": _id_of(line), "error": str(p)}
        else:
            yield to_json(next(analyses), p[0])


def run(stdin: TextIO, stdout: TextIO, analyzer: Analyzer | None = None,
        batch_size: int = 256) -> int:
    """Analyse every JSON line of stdin onto stdout; returns the number of lines written."""
    analyzer = analyzer or default_analyzer()
    lines = (line for line in stdin if line.strip())
    written = 0
    while chunk := list(itertools.islice(lines, batch_size)):
        for record in _chunk_results(chunk, analyzer, batch_size):
            stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    stdout.flush()
    return written


if __name__ == "__main__":
    run(sys.stdin, sys.stdout)
