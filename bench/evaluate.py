"""`storyloom eval story`: replay a conversation and measure every installment written.

A stable interface. With ``--json`` stdout carries one JSON object per line:
one ``{"type": "installment", ...}`` per installment the model wrote (user
edits are not measured), then ``{"type": "totals", "faithfulness",
"invented_entity_rate", "tone_match", "distinct_2", "repetition",
"perplexity", ...}``. Each installment line and the totals also carry the same
measures for the first draft sampled (``first_draft``) and for the best draft
before repair (``best_raw``), so the reranker and the repair step can each be
judged. Progress goes to stderr.

Each installment line also records what an independent judge needs to score it
again later without re-running the engine (``storyloom eval judge FILE``):
``text``, ``sentences``, ``turn_ids``, ``told`` (every turn the user had told
when it was asked for: ``[{"turn_id", "text"}]``), ``teller_name``, ``command``
and ``latency_s`` (seconds from the command to the delivery). Unless
``--no-judge`` is given, the judge (bench/judge.py, which the engine never
imports) scores each installment (``judge``: its per-installment verdict) and
adds its measures to the totals line: ``unsupported_rate``,
``invented_installment_rate``, ``nonword_installment_rate``,
``meta_installment_rate``, ``fragment_rate``, ``copied_sentence_rate``,
``tone_obeyed``, ``told_names_used`` (definitions in bench/judge.py).

Measures (all from the scores stored with the installment when it was written):
faithfulness: share of planned people, places and times that appear;
invented_entities: named people or places the user never mentioned (count; the
rate is the share of installments with at least one); tone_match: 1 when the
emotion classifier finds the asked tone (tone_score: 0..1); distinct_2: share
of distinct word bigrams; repetition: repeated trigrams or sentences copied
from earlier installments (0..1); perplexity: the model's own, of the text given its prompt.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bot.chat import script_lines
from bot.local import LocalServices, prepare_model
from bot.terminal import Output
from worker.settings import Settings
from worker.store.records import DraftScores, Installment, Turn

MEASURES = ("faithfulness", "invented_entity_rate", "tone_match", "distinct_2", "repetition",
            "perplexity")


def measures(s: DraftScores) -> dict[str, float]:
    """The reported measures of one scored text."""
    return {"faithfulness": s.faithfulness, "invented_entities": len(s.invented),
            "tone_match": 1.0 if s.tone_ok else 0.0, "tone_score": s.tone_match,
            "distinct_2": s.distinct_2, "repetition": s.repetition, "perplexity": s.perplexity}


def installment_line(inst: Installment) -> dict[str, Any]:
    """One installment's JSON line."""
    assert inst.scores is not None
    line: dict[str, Any] = {
        "type": "installment", "number": inst.number, "kind": inst.kind,
        "installment_id": inst.installment_id, "request_id": inst.request_id,
        "tone": inst.tone, "tone_target": inst.tone_target, "tone_override": inst.tone_override,
        "planned": inst.scores.planned, "drafts": inst.drafts, "repaired": inst.repaired,
        "prompt_tokens": inst.stats.prompt_tokens, "context_parts": inst.context_parts,
        "words": len(inst.text.split()),
        **measures(inst.scores),
    }
    for name in ("first_draft", "best_raw"):
        other = getattr(inst, name)
        line[name] = measures(other) if other is not None else None
    return line


def told_turns(turns: list[Turn], after_turn: str | None) -> list[dict[str, str]]:
    """The turns told when an installment was asked for (up to its after_turn)."""
    told: list[dict[str, str]] = []
    for turn in turns:
        told.append({"turn_id": turn.turn_id, "text": turn.text})
        if turn.turn_id == after_turn:
            break
    return told


def record_line(inst: Installment, told: list[dict[str, str]], teller_name: str | None,
                command: str, latency_s: float) -> dict[str, Any]:
    """An installment's JSON line with what the judge needs to score it again later."""
    line = installment_line(inst)
    line.update({
        "text": inst.text,
        "sentences": [s.model_dump(mode="json") for s in inst.sentences],
        "turn_ids": list(inst.turn_ids), "told": told, "teller_name": teller_name,
        "command": command, "latency_s": round(latency_s, 3),
    })
    return line


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return round(statistics.fmean(finite), 4) if finite else float("nan")


def summarise(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Totals over measure dicts (per-installment lines or their first_draft parts)."""
    return {
        "faithfulness": _mean([r["faithfulness"] for r in rows]),
        "invented_entity_rate": _mean([1.0 if r["invented_entities"] else 0.0 for r in rows]),
        "tone_match": _mean([r["tone_match"] for r in rows]),
        "tone_score": _mean([r["tone_score"] for r in rows]),
        "distinct_2": _mean([r["distinct_2"] for r in rows]),
        "repetition": _mean([r["repetition"] for r in rows]),
        "perplexity": _mean([r["perplexity"] for r in rows]),
    }


def totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The totals line: delivered installments, and the same for first and best-raw drafts."""
    out: dict[str, Any] = {"type": "totals", "installments": len(lines)}
    out.update(summarise(lines) if lines else dict.fromkeys(MEASURES, float("nan")))
    for name in ("first_draft", "best_raw"):
        parts = [ln[name] for ln in lines if ln.get(name)]
        out[name] = summarise(parts) if parts else None
    out["prompt_tokens_max"] = max((ln["prompt_tokens"] for ln in lines), default=0)
    return out


def _text_row(line: dict[str, Any]) -> str:
    if line["type"] == "totals":
        head = f"TOTAL ({line['installments']} installments)"
        inv = f"invented-rate {line['invented_entity_rate']:.2f}"
    else:
        head = f"#{line['number']} {line['kind']:<8} {line['tone_target'] or '':<9}"
        inv = f"invented {line['invented_entities']}"
    return (f"{head} faithfulness {line['faithfulness']:.2f} {inv} "
            f"tone {line['tone_match']:.2f} distinct-2 {line['distinct_2']:.2f} "
            f"repetition {line['repetition']:.2f} perplexity {line['perplexity']:.1f}")


def run_eval_story(settings: Settings, script: Path, user: str, as_json: bool,
                   judge: bool = True) -> int:
    """Replay a script through the real services and report every installment's measures."""
    from bot.chat import _session

    if not script.is_file():
        print(f"storyloom eval story: no such script file: {script}", file=sys.stderr)
        return 2
    prepare_model(settings, lambda m: print(m, file=sys.stderr, flush=True))
    the_judge = _load_judge() if judge else None
    lines: list[dict[str, Any]] = []
    asked: dict[str, Any] = {"command": "", "at": time.perf_counter()}

    def emit(out: Output) -> None:
        inst = out.installment
        if out.kind == "installment" and inst is not None and inst.scores is not None:
            latency = time.perf_counter() - float(asked["at"])
            store = session.ctx.store
            told = told_turns(store.turns(session.user), inst.after_turn)
            name = store.get_settings(session.user).name
            line = record_line(inst, told, name, str(asked["command"]), latency)
            if the_judge is not None:
                line["judge"] = the_judge.installment(line).as_dict()
            lines.append(line)
            print(json.dumps(line) if as_json else _text_row(line), flush=True)
        elif out.kind == "notice":
            print(f"notice: {out.text}", file=sys.stderr, flush=True)

    with LocalServices(settings) as services:
        session = _session(services, settings, user, emit)
        # a slow machine delays an installment, it must not drop it from the measures
        session.story_wait_s = max(session.story_wait_s, (settings.storyloom_job_retries + 1)
                                   * settings.storyloom_job_timeout + 120)
        session.drain()
        for n, (line, _valid) in enumerate(script_lines(script), 1):
            if line.startswith("/"):
                print(f"[{n}] {line.split(' ', 1)[0]}", file=sys.stderr, flush=True)
                asked.update(command=line.split(" ", 1)[0], at=time.perf_counter())
            session.say(line)
    summary = totals(lines)
    if the_judge is not None:
        summary.update(the_judge.totals(lines))
    print(json.dumps(summary) if as_json else _text_row(summary), flush=True)
    return 0


def _load_judge() -> Any:
    from bench.judge import Judge

    print("loading the judge (en_core_web_md, wordfreq, VADER)", file=sys.stderr, flush=True)
    return Judge.load()
