"""Benchmark: N story drafts in one batched `generate` call against N sequential calls.

Same model, same prompt, same sampling settings, in the same run, alternating
the two ways so a change in machine load hits both. Prints one line per round
and a JSON summary with tokens/s of each and their ratio.

    python scripts/bench_story.py [--drafts 4] [--tokens 96] [--rounds 2] [--threads 1]

On a shared, oversubscribed CPU, torch's intra-op threads stall waiting for
each other; --threads 1 is the fair setting there (and what the summary says).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prompt() -> tuple[list[dict[str, str]], str]:
    from worker.profile.model import LifeEvent, Person, Place, Profile
    from worker.story.planner import plan_next
    from worker.story.prompt import build_prompt

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    profile = Profile(
        user="local:bench",
        people=(Person(name="Maria", relation="grandmother", first_seen=t0, last_seen=t0),),
        places=(Place(name="Lisbon", first_seen=t0, last_seen=t0),),
        events=(LifeEvent(text="My grandmother Maria taught me to bake bread in Lisbon",
                          predicate="teach", place="Lisbon", time="when I was seven",
                          score=0.9, turn_id="t1", said_at=t0),
                LifeEvent(text="Every Sunday we walked to the market by the river",
                          predicate="walk", time="Every Sunday", score=0.9, turn_id="t2",
                          said_at=t0)),
    )
    plan = plan_next(profile, [], "second")
    assert plan is not None
    prompt = build_prompt(plan, "nostalgia", "second", "past", [], chapters={}, chapter=1)
    return prompt.messages, prompt.prefix


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cache", default=str(ROOT / ".cache" / "test"))
    args = parser.parse_args()

    import torch

    from worker.llm.model import LanguageModel
    from worker.settings import Settings

    torch.set_num_threads(args.threads)
    model = LanguageModel.load(Settings(_env_file=None, storyloom_cache_dir=Path(args.cache)))  # type: ignore[call-arg]
    messages, prefix = _prompt()
    kw = {"prefix": prefix, "max_new_tokens": args.tokens, "temperature": 0.8, "top_p": 0.92}
    model.generate(messages, **kw | {"max_new_tokens": 4}, seed=0)  # warm-up
    totals = {"batched": [0, 0.0], "sequential": [0, 0.0]}
    for r in range(args.rounds):
        started = time.perf_counter()
        g = model.generate(messages, **kw, seed=r, num_return_sequences=args.drafts)
        batched = (g.stats.new_tokens, time.perf_counter() - started)
        started = time.perf_counter()
        tokens = sum(model.generate(messages, **kw, seed=100 * r + i).stats.new_tokens
                     for i in range(args.drafts))
        sequential = (tokens, time.perf_counter() - started)
        for name, (n, s) in (("batched", batched), ("sequential", sequential)):
            totals[name][0] += n
            totals[name][1] += s
            print(f"round {r + 1} {name:<10} {n:5d} tokens {s:7.1f}s {n / s:6.2f} tok/s",
                  file=sys.stderr, flush=True)
    rate = {k: v[0] / v[1] for k, v in totals.items()}
    print(json.dumps({
        "model": model.identity, "device": model.device, "threads": args.threads,
        "drafts": args.drafts, "max_new_tokens": args.tokens, "rounds": args.rounds,
        "batched_tokens_per_s": round(rate["batched"], 2),
        "sequential_tokens_per_s": round(rate["sequential"], 2),
        "speedup": round(rate["batched"] / rate["sequential"], 2),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
