"""Measure the safety step as the NLU worker runs it: crisis replies, pauses and alerts.

Every labelled item becomes one turn of a fresh user and goes through
worker.conversation.safety_step.SafetyStep (the detector, the store writes, the reply) in
batches like the worker's. Crisis = a crisis reply sent and the story paused;
gold crisis = items labelled elevated or high. Alert = anything flagged for a
counselor; gold alert = any item labelled with a risk category.

Run: PYTHONPATH=. python scripts/bench_safety_flow.py [--data FILE ...] [--redis-url URL]
It writes under a fresh key prefix and deletes it afterwards.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

import redis

from worker.conversation.nlu_worker import BATCH
from worker.conversation.safety_step import SafetyStep
from worker.store.crypto import MasterKey, new_data_key
from worker.store.keys import Keys
from worker.store.records import Turn, utcnow
from worker.store.store import Store

DATA = Path(__file__).resolve().parent.parent / "datasets" / "safety"


def prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    """Precision and recall (0 for an empty denominator)."""
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def run(store: Store, rows: list[dict[str, str]]) -> dict[str, float]:
    """Feed every item through the step; count crisis replies, pauses and alerts."""
    step = SafetyStep(store)
    turns = [Turn(turn_id=f"t{i}", user=f"bench:{i}", platform="bench", chat_id=str(i), seq=1,
                  text=r["text"], created_at=utcnow()) for i, r in enumerate(rows)]
    step.check(turns[:1])  # load the encoder outside the timing
    started = time.perf_counter()
    decided = []
    for i in range(0, len(turns), BATCH):
        decided += step.check(turns[i : i + BATCH])
    ms = (time.perf_counter() - started) * 1000 / len(turns)
    gold_crisis = [r["level"] in ("elevated", "high") for r in rows]
    crisis = [d.reply is not None and store.get_safety(t.user).paused
              for d, t in zip(decided, turns, strict=True)]
    gold_alert = [r["label"] != "none" for r in rows]
    alert = [bool(store.user_alerts(t.user)) for t in turns]
    out: dict[str, float] = {"items": len(rows), "ms_per_turn": round(ms, 2)}
    for name, gold, pred in (("crisis", gold_crisis, crisis), ("alert", gold_alert, alert)):
        tp = sum(g and p for g, p in zip(gold, pred, strict=True))
        fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
        fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
        precision, recall = prf(tp, fp, fn)
        out |= {f"{name}_precision": round(precision, 3), f"{name}_recall": round(recall, 3),
                f"{name}_gold": sum(gold), f"{name}_false_alarms": fp}
    return out


def main() -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, nargs="*",
                    default=[DATA / "risk_eval.jsonl", DATA / "risk_holdout.jsonl"])
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the encoder")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    client = redis.Redis.from_url(args.redis_url)
    prefix = f"bench-safety-{uuid.uuid4().hex[:8]}"
    try:
        for path in args.data:
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            master = MasterKey(new_data_key(), "bench")
            result = run(Store(client, Keys(f"{prefix}-{path.stem}"), master), rows)
            print(json.dumps({"data": path.name, **result}))
    finally:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
        client.close()


if __name__ == "__main__":
    main()
