"""Run `storyloom eval story` over the tune and held-out conversations; judge; one table each.

    PYTHONPATH=. python scripts/eval_story_suite.py
        [--set tune|heldout|heldout2|heldout3|heldout4|both] [--out DIR]
        [--drafts 4] [--tokens 96] [--jobs 1] [--only NAME,...] [--no-run]

The TUNE set is `examples/eval/*.txt` (what the engine may be tuned on); the HELD-OUT set
is `examples/eval/heldout/*.txt` (only tested on; see its README). Each script runs in its
own process with its own fresh data dir (its own embedded Redis), with the settings
examples/eval/RESULTS.md names (long-life.txt gets a 512-token prompt budget so its story
outgrows it) and a job timeout of --job-timeout seconds (so a loaded machine delays an
installment instead of failing it), recording with `--no-judge`; its JSON lines go to
DIR/SET/NAME.jsonl. Then the independent judge (bench/judge.py) scores every recording,
and for each set this prints one table: the engine's own measures (delivered, first
draft, best draft before repair), the judge's measures (micro-averaged over the set, and
per conversation), and the time from the command (/story, /continue, /retry) to the
delivery: mean and p95. `--no-run` judges the recordings already in DIR again (for
instance those of an older engine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS = {"tune": ROOT / "examples" / "eval", "heldout": ROOT / "examples" / "eval" / "heldout",
        # written after the first held-out set had been read (its README says how)
        "heldout2": ROOT / "examples" / "eval" / "heldout2",
        # public-domain memoirs by narrators none of the others use (its README says how)
        "heldout3": ROOT / "examples" / "eval" / "heldout3",
        # six more memoirs' narrators, built blind (its README says how)
        "heldout4": ROOT / "examples" / "eval" / "heldout4"}
BUDGETS = {"long-life": 512}  # prompt tokens; every other script: 900
MEASURES = ("faithfulness", "invented_entity_rate", "tone_match", "tone_score", "distinct_2",
            "repetition", "perplexity")
JUDGE_KEYS = ("unsupported_rate", "invented_installment_rate", "nonword_installment_rate",
              "meta_installment_rate", "fragment_rate", "copied_sentence_rate", "tone_obeyed",
              "told_names_used")


def run_script(script: Path, out: Path, args: argparse.Namespace) -> tuple[str, int, float]:
    """One script through `storyloom eval story --json --no-judge`; its recording's path."""
    name = script.stem
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, OMP_NUM_THREADS="1", STORYLOOM_DATA_DIR=data,
                   STORYLOOM_MAX_NEW_TOKENS=str(args.tokens), STORYLOOM_SEED="11",
                   STORYLOOM_DRAFTS=str(args.drafts),
                   STORYLOOM_JOB_TIMEOUT=str(args.job_timeout),
                   STORYLOOM_PROMPT_TOKENS=str(BUDGETS.get(name, 900)))
        env.pop("REDIS_URL", None)  # each script on its own embedded Redis
        result = subprocess.run(
            [sys.executable, "-m", "bot.cli.main", "eval", "story", "--script", str(script),
             "--json", "--no-judge", "--user", name],
            env=env, cwd=ROOT, capture_output=True, text=True)
    (out / f"{name}.jsonl").write_text(result.stdout)
    if result.returncode != 0:
        (out / f"{name}.stderr.txt").write_text(result.stderr[-20000:])
    count = sum(1 for ln in result.stdout.splitlines() if '"type": "installment"' in ln)
    return name, count, time.perf_counter() - started


def engine_means(lines: list[dict]) -> dict[str, dict[str, float]]:
    """Means of the engine's own measures: delivered, first draft, best draft before repair."""
    sides = {"delivered": None, "first draft": "first_draft", "best raw": "best_raw"}
    means: dict[str, dict[str, float]] = {}
    for label, side in sides.items():
        rows = [ln if side is None else ln[side] for ln in lines if side is None or ln.get(side)]
        means[label] = {k: (sum((1.0 if r["invented_entities"] else 0.0) if k ==
                                "invented_entity_rate" else float(r[k]) for r in rows)
                            / len(rows)) if rows else float("nan") for k in MEASURES}
    return means


def print_set(name: str, recordings: dict[str, list[dict]], judged: dict) -> None:
    """One set's table: engine measures, judge measures (set and per conversation), times."""
    from bench.rejudge import latency_summary

    lines = [ln for rec in recordings.values() for ln in rec]
    print(f"\n=== {name}: {len(recordings)} conversations, {len(lines)} installments ===")
    if not lines:
        return
    means = engine_means(lines)
    print(f"{'engine measure':<24}" + "".join(f"{label:>14}" for label in means))
    for k in MEASURES:
        print(f"{k:<24}" + "".join(f"{means[label][k]:>14.4f}" for label in means))
    convs = judged["conversations"]
    width = max([len(c) for c in convs] + [10]) + 2
    print(f"\n{'judge measure':<28}{'SET':>8}  " + "".join(f"{c[:width - 2]:>{width}}"
                                                    for c in convs))
    for k in JUDGE_KEYS:
        row = "".join(f"{_fmt(convs[c].get(k)):>{width}}" for c in convs)
        print(f"{k:<28}{_fmt(judged['totals'].get(k)):>8}  {row}")
    print(f"tone_obeyed by tone asked: {json.dumps(judged['totals']['tone_obeyed_by_tone'])}")
    lat = latency_summary(lines)
    print(f"time from command to delivery: mean {lat['mean_s']:.1f}s, p95 {lat['p95_s']:.1f}s "
          f"over {lat['n']} installments (/story only: mean {lat['story_mean_s']:.1f}s, "
          f"p95 {lat['story_p95_s']:.1f}s)")
    print(json.dumps({"type": "set", "set": name, "engine": means, "judge": judged["totals"],
                      "per_conversation": convs, "latency": lat}))


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=[*SETS, "both"], default="both")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "storyloom-eval")
    ap.add_argument("--drafts", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=96)
    ap.add_argument("--job-timeout", type=int, default=3600,
                    help="seconds a generation may take before it fails (a loaded machine "
                    "is slow; the engine's default of 600 then drops installments)")
    ap.add_argument("--jobs", type=int, default=1, help="scripts run at once (each 1 thread)")
    ap.add_argument("--only", default="", help="comma-separated script names")
    ap.add_argument("--no-run", action="store_true", help="judge the recordings in --out again")
    args = ap.parse_args()
    wanted = {n for n in args.only.split(",") if n}
    sets = ["tune", "heldout"] if args.set == "both" else [args.set]
    for set_name in sets:
        out = args.out / set_name
        out.mkdir(parents=True, exist_ok=True)
        scripts = [p for p in sorted(SETS[set_name].glob("*.txt"))
                   if not wanted or p.stem in wanted]
        if not args.no_run:
            # the bundled model is converted once, before scripts share its cache
            subprocess.run([sys.executable, "-m", "bot.cli.main", "model"], cwd=ROOT,
                           check=True, capture_output=True)
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                runs = pool.map(run_script, scripts, [out] * len(scripts),
                                [args] * len(scripts))
                for name, count, secs in runs:
                    print(f"{set_name}/{name}: {count} installments in {secs:.0f}s", flush=True)
        from bench.rejudge import judge_recordings, read_recording

        recordings = {p.stem: read_recording(out / f"{p.stem}.jsonl") for p in scripts
                      if (out / f"{p.stem}.jsonl").is_file()}
        print_set(set_name, recordings, judge_recordings(recordings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
