"""Run `storyloom eval story` over the scripts in examples/eval and total them.

    PYTHONPATH=. python scripts/eval_story_suite.py [--out DIR] [--drafts 4] [--tokens 96]

Each script runs in its own process with its own fresh data dir (its own embedded
Redis), with the settings examples/eval/RESULTS.md names; long-life.txt gets a 512-token
prompt budget so its story outgrows it. Prints one table: the mean over all
installments of each measure for the delivered installment, the first draft and the
best draft before repair, and writes each script's JSON lines under --out.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = {"grandmother": 900, "shipyard": 900, "widow": 900, "long-life": 512}
MEASURES = ("faithfulness", "invented_entity_rate", "tone_match", "tone_score", "distinct_2",
            "repetition", "perplexity")
LOWER_IS_BETTER = {"invented_entity_rate", "repetition", "perplexity"}


def run(name: str, budget: int, out: Path, args: argparse.Namespace) -> list[dict]:
    """One script through `storyloom eval story --json`; its installment lines."""
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, OMP_NUM_THREADS="1", STORYLOOM_DATA_DIR=data,
                   STORYLOOM_MAX_NEW_TOKENS=str(args.tokens), STORYLOOM_SEED="11",
                   STORYLOOM_DRAFTS=str(args.drafts), STORYLOOM_PROMPT_TOKENS=str(budget))
        env.pop("REDIS_URL", None)  # each script on its own embedded Redis
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli.main", "eval", "story", "--script",
             str(ROOT / "examples" / "eval" / f"{name}.txt"), "--json", "--user", name],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    (out / f"{name}.jsonl").write_text(result.stdout)
    return [json.loads(line) for line in result.stdout.splitlines()
            if line.startswith("{") and json.loads(line).get("type") == "installment"]


def per_installment(line: dict, side: str | None) -> dict[str, float]:
    """The measures of one installment line (side: None delivered, or a draft's key)."""
    src = line if side is None else line[side]
    row = {k: float(src[k]) for k in MEASURES if k in src}
    row["invented_entity_rate"] = 1.0 if src["invented_entities"] else 0.0
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "storyloom-eval")
    ap.add_argument("--drafts", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=96)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lines: list[dict] = []
    for name, budget in SCRIPTS.items():
        started = time.perf_counter()
        got = run(name, budget, args.out, args)
        lines += got
        print(f"{name}: {len(got)} installments in {time.perf_counter() - started:.0f}s",
              flush=True)
    sides = {"delivered": None, "first draft": "first_draft", "best draft before repair":
             "best_raw"}
    means = {label: {k: sum(per_installment(line, side)[k] for line in lines) / len(lines)
                     for k in MEASURES} for label, side in sides.items()}
    print(f"\n{len(lines)} installments, {args.drafts} drafts of {args.tokens} tokens")
    print(f"{'measure':<22}" + "".join(f"{label:>26}" for label in sides)
          + "  delivered beats first")
    for k in MEASURES:
        d, f = means["delivered"][k], means["first draft"][k]
        beats = d < f if k in LOWER_IS_BETTER else d > f
        print(f"{k:<22}" + "".join(f"{means[label][k]:>26.4f}" for label in sides)
              + f"  {'yes' if beats else 'tie' if d == f else 'NO'}")
    print(json.dumps({"type": "totals", "installments": len(lines), **means}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
