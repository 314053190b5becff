"""Measure the risk detector on datasets/safety/risk_eval.jsonl: recall, precision, levels, speed.

Run: PYTHONPATH=. python scripts/bench_safety.py [--data FILE] [--embeddings] [--errors]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from nlu.safety.assessment import CATEGORIES, LEVELS, RiskAssessment
from nlu.safety.detector import RiskDetector

EVAL = Path(__file__).resolve().parent.parent / "datasets" / "safety" / "risk_eval.jsonl"


def load_eval(path: Path) -> list[dict[str, str]]:
    """Read the labelled set."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def predicted_label(a: RiskAssessment) -> str:
    """The category the detector would act on, or 'none'."""
    return a.top_category or "none" if a.flagged else "none"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 with empty denominators read as 0."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(rows: list[dict[str, str]], results: list[RiskAssessment]) -> None:
    """Print per-category and overall numbers plus the level confusion matrix."""
    gold = [r["label"] for r in rows]
    pred = [predicted_label(a) for a in results]
    print(f"{'category':<20}{'n':>5}{'prec':>8}{'recall':>8}{'f1':>8}")
    for cat in CATEGORIES:
        tp = sum(g == cat and p == cat for g, p in zip(gold, pred, strict=True))
        fp = sum(g != cat and p == cat for g, p in zip(gold, pred, strict=True))
        fn = sum(g == cat and p != cat for g, p in zip(gold, pred, strict=True))
        p, r, f = prf(tp, fp, fn)
        print(f"{cat:<20}{gold.count(cat):>5}{p:>8.3f}{r:>8.3f}{f:>8.3f}")
    tp = sum(g != "none" and p != "none" for g, p in zip(gold, pred, strict=True))
    fp = sum(g == "none" and p != "none" for g, p in zip(gold, pred, strict=True))
    fn = sum(g != "none" and p == "none" for g, p in zip(gold, pred, strict=True))
    p, r, f = prf(tp, fp, fn)
    n_risk = sum(g != "none" for g in gold)
    print(f"{'risk vs none':<20}{n_risk:>5}{p:>8.3f}{r:>8.3f}{f:>8.3f}")
    _crisis_line(rows, results)
    _level_matrix(rows, results)


def _crisis_line(rows: list[dict[str, str]], results: list[RiskAssessment]) -> None:
    """Recall of 'needs a crisis reply' on elevated/high items; false alarms on the rest."""
    urgent = [a for r, a in zip(rows, results, strict=True) if r["level"] in ("elevated", "high")]
    calm = [a for r, a in zip(rows, results, strict=True) if r["level"] in ("none", "low")]
    caught = sum(a.needs_crisis_reply for a in urgent)
    alarms = sum(a.needs_crisis_reply for a in calm)
    rate = caught / max(1, len(urgent))
    print(f"crisis reply (elevated+high): recall {caught}/{len(urgent)} = {rate:.3f}; "
          f"false alarms on none/low items {alarms}/{len(calm)}")


def _level_matrix(rows: list[dict[str, str]], results: list[RiskAssessment]) -> None:
    counts = Counter((r["level"], a.level) for r, a in zip(rows, results, strict=True))
    print("level confusion (rows gold, columns predicted):")
    print(" " * 10 + "".join(f"{lv:>10}" for lv in LEVELS))
    for g in LEVELS:
        print(f"{g:<10}" + "".join(f"{counts[(g, p)]:>10}" for p in LEVELS))
    exact = sum(counts[(lv, lv)] for lv in LEVELS)
    print(f"level exact agreement: {exact / len(rows):.3f}")


def errors(rows: list[dict[str, str]], results: list[RiskAssessment]) -> None:
    """Print the misclassified eval items (the eval set is synthetic, not user data)."""
    for r, a in zip(rows, results, strict=True):
        p = predicted_label(a)
        if p != r["label"]:
            print(f"  gold={r['label']}/{r['level']} pred={p}/{a.level} {a.matched} :: {r['text']}")


def leakage(detector: RiskDetector, rows: list[dict[str, str]]) -> None:
    """How close eval items sit to the development exemplars (exact copies are forbidden)."""
    import numpy as np

    from nlu.safety.prototypes import load_exemplars

    scorer = detector.scorer
    assert scorer is not None
    shipped = {t.lower().strip(" .!") for v in load_exemplars().values() for t in v}
    copies = sum(r["text"].lower().strip(" .!") in shipped for r in rows)
    sims = (scorer.encoder.embed([r["text"] for r in rows]) @ scorer.matrix.T).max(axis=1)
    print(f"leakage: exact copies of exemplars {copies}; nearest-exemplar cosine median "
          f"{float(np.median(sims)):.3f}, items above 0.9: {int((sims > 0.9).sum())}")


def timing(detector: RiskDetector, texts: list[str], repeats: int) -> None:
    """ms per turn, one turn at a time (as the bot calls it) and batched."""
    per_turn = []
    for _ in range(repeats):
        for t in texts:
            t0 = time.perf_counter()
            detector.assess([t])
            per_turn.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    detector.assess(texts)
    batched = (time.perf_counter() - t0) * 1000 / len(texts)
    if not per_turn:
        return
    per_turn.sort()
    p95 = per_turn[int(0.95 * (len(per_turn) - 1))]
    print(f"ms/turn single: mean {statistics.mean(per_turn):.3f} median "
          f"{statistics.median(per_turn):.3f} p95 {p95:.3f} max {per_turn[-1]:.3f}; "
          f"batched {batched:.3f}")
    big = "my grandfather died in 1998. " * 40_000
    t0 = time.perf_counter()
    detector.assess([big])
    print(f"1.1 MB turn: {(time.perf_counter() - t0) * 1000:.1f} ms")


def main() -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--embeddings", action="store_true", help="rules plus prototype similarity")
    ap.add_argument("--errors", action="store_true", help="list misclassified items")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the encoder")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", type=Path, default=EVAL, help="a labelled jsonl file")
    args = ap.parse_args()
    if args.embeddings:
        import torch

        torch.set_num_threads(args.threads)
    rows = load_eval(args.data)
    detector = RiskDetector(use_embeddings=args.embeddings).load()
    results = detector.assess([r["text"] for r in rows])
    mode = "rules + embeddings" if args.embeddings else "rules"
    print(f"eval: {args.data.name} ({len(rows)} items), mode: {mode}")
    report(rows, results)
    if args.embeddings:
        leakage(detector, rows)
    if args.errors:
        errors(rows, results)
    timing(detector, [r["text"] for r in rows], args.repeats)


if __name__ == "__main__":
    main()
