"""`storyloom eval judge FILE...`: judge recorded installments again, without the engine.

Each FILE holds the JSON lines of one `storyloom eval story --json` run (one conversation).
The judge (bench/judge.py) scores every installment line that recorded its text and what
was told (``told``); lines recorded before those fields existed are counted as unjudgeable.
With ``--json`` stdout carries one ``{"type": "judged", "conversation", "number", "kind",
"judge": {...}}`` per installment, one ``{"type": "conversation", ...}`` per file and a last
``{"type": "totals", ...}`` with the judge's measures pooled over all files.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.judge import Judge, judge_totals


def read_recording(path: Path) -> list[dict[str, Any]]:
    """The installment lines of one recording (lines that are not JSON are skipped)."""
    lines = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not raw.startswith("{"):
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(line, dict) and line.get("type") == "installment":
            lines.append(line)
    return lines


def judge_recordings(recordings: dict[str, list[dict[str, Any]]],
                     judge: Judge | None = None) -> dict[str, Any]:
    """Judge every judgeable line; the totals pooled over all and per conversation."""
    judge = judge or Judge.load()
    every: list[dict[str, Any]] = []
    per: dict[str, dict[str, Any]] = {}
    for name, lines in recordings.items():
        verdicts = []
        for line in lines:
            if "text" in line and "told" in line:
                line["judge"] = judge.installment(line).as_dict()
                verdicts.append(line["judge"])
        per[name] = judge_totals(verdicts)
        per[name]["unjudgeable"] = len(lines) - len(verdicts)
        every += verdicts
    totals = judge_totals(every)
    totals["unjudgeable"] = sum(p["unjudgeable"] for p in per.values())
    return {"totals": totals, "conversations": per}


def latency_summary(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and p95 of the seconds from a command to its installment (all, and /story)."""
    every = [float(ln["latency_s"]) for ln in lines if "latency_s" in ln]
    story = [float(ln["latency_s"]) for ln in lines
             if "latency_s" in ln and ln.get("command") == "/story"]
    return {"n": len(every), "mean_s": _mean(every), "p95_s": p95(every),
            "story_n": len(story), "story_mean_s": _mean(story), "story_p95_s": p95(story)}


def p95(values: list[float]) -> float:
    """The 95th percentile, linearly interpolated (nan when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else math.nan


def _row(name: str, t: dict[str, Any]) -> str:
    def f(key: str) -> str:
        return "-" if t.get(key) is None else f"{t[key]:.3f}"

    return (f"{name:<28} n {t['judged_installments']:>3}  unsupported {f('unsupported_rate')}"
            f"  invented {f('invented_installment_rate')}  nonword "
            f"{f('nonword_installment_rate')}  meta {f('meta_installment_rate')}  fragment "
            f"{f('fragment_rate')}  copied {f('copied_sentence_rate')}  tone "
            f"{f('tone_obeyed')}  names {f('told_names_used')}")


def run_eval_judge(files: list[Path], as_json: bool) -> int:
    """Judge recorded conversations; print per installment, per file and in total."""
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"storyloom eval judge: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    recordings = {f.stem: read_recording(f) for f in files}
    judged = judge_recordings(recordings)
    for name, lines in recordings.items():
        for line in lines:
            if "judge" in line and as_json:
                print(json.dumps({"type": "judged", "conversation": name,
                                  "number": line.get("number"), "kind": line.get("kind"),
                                  "judge": line["judge"]}, ensure_ascii=False))
        conv = judged["conversations"][name]
        print(json.dumps({"type": "conversation", "conversation": name, **conv})
              if as_json else _row(name, conv))
    totals = judged["totals"]
    print(json.dumps({"type": "totals", **totals}) if as_json else _row("TOTAL", totals))
    if totals["unjudgeable"]:
        print(f"{totals['unjudgeable']} installment lines carry no text or told turns "
              "(recorded before the judge existed) and were not judged", file=sys.stderr)
    return 0
