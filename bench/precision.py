"""Benchmark rows "chosen precision vs the other": int8 against fp32 for each model, here.

Each row asks the model's chooser what it would pick on this machine (nlu.precision), then
times both precisions side by side in this run on the work the model really does, and
reports the chosen one's speed over the other's: 1.0x or more means the choice was right.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from bench.model import Row, best_of, per_token_seconds


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:.0f}"


def row_emotions(texts: list[str], repeat: int) -> Row:
    """The emotion classifier: predict() on real-length turns in both precisions."""
    from nlu.emotions import EmotionClassifier

    chosen = EmotionClassifier.load(precision="auto").choice
    both = {p: EmotionClassifier.load(precision=p) for p in ("int8", "fp32")}
    for clf in both.values():
        clf.predict(texts[:64], batch_size=32)  # warm-up
    secs = {p: best_of(repeat, lambda c=clf: c.predict(texts, batch_size=32))  # type: ignore[misc]
            for p, clf in both.items()}
    other = "fp32" if chosen.precision == "int8" else "int8"
    return Row("emotions: chosen precision vs the other", secs[other] / secs[chosen.precision],
               f"{chosen.precision} {_rate(len(texts), secs[chosen.precision])} vs {other} "
               f"{_rate(len(texts), secs[other])} sentences/s",
               f"chosen {chosen.describe()}; {len(texts)} synthetic turns "
               f"(scripts/bench_nlu.py), batch 32")


def row_story(lm: Any, new_tokens: int, repeat: int, fp_per_token: float) -> Row:
    """The story model: what STORYLOOM_QUANTIZE=auto would pick, against the other, decoding."""
    from worker.llm.model import LanguageModel
    from worker.llm.quantize import after_load, serving

    if lm.device != "cpu" or "+int8" in lm.identity:
        return Row("story model: chosen precision vs the other", None, "", "",
                   "needs the fp32 model on the CPU: STORYLOOM_DEVICE=cpu STORYLOOM_QUANTIZE=none")
    _, _, choice = serving(copy.deepcopy(lm.model), "auto", "cpu")
    assert choice is not None
    q = LanguageModel(after_load(copy.deepcopy(lm.model), "int8"), lm.tokenizer,
                      lm.identity + "+int8", lm.device)
    q_per_token = per_token_seconds(q, new_tokens, repeat)
    per = {"int8": q_per_token, "fp32": fp_per_token}
    other = "fp32" if choice.precision == "int8" else "int8"
    return Row("story model: chosen precision vs the other", per[other] / per[choice.precision],
               f"{choice.precision} {1 / per[choice.precision]:.1f} vs {other} "
               f"{1 / per[other]:.1f} tok/s",
               f"STORYLOOM_QUANTIZE=auto would choose {choice.describe()}; batch-1 decode, "
               f"{new_tokens} tokens")


def row_safety(texts: list[str], repeat: int) -> Row:
    """The safety encoder: it always runs fp32 (its similarity thresholds were set so)."""
    from nlu.int8 import quantize_linears
    from nlu.safety.prototypes import Encoder

    fp32 = Encoder.load()
    int8 = Encoder(fp32.tokenizer, quantize_linears(copy.deepcopy(fp32.model)))
    for enc in (fp32, int8):
        enc.embed(texts[:32])
    secs = {name: best_of(repeat, lambda e=enc: e.embed(texts))  # type: ignore[misc]
            for name, enc in (("fp32", fp32), ("int8", int8))}
    return Row("safety encoder: chosen precision vs the other", secs["int8"] / secs["fp32"],
               f"fp32 {_rate(len(texts), secs['fp32'])} vs int8 "
               f"{_rate(len(texts), secs['int8'])} sentences/s",
               "fp32 always (no int8 path: its prototype thresholds were set in fp32); "
               f"{len(texts)} synthetic turns")


def machine_line() -> str:
    """Where this run is: CPU model, cores, ISA flags, torch version, threads, the time."""
    from nlu.precision import machine

    return f"{machine().describe()} ({time.strftime('%Y-%m-%d %H:%M')})"
