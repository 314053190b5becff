"""What the emotion classifier's precision chooser picks here, and both precisions' speed.

    PYTHONPATH=. python scripts/bench_precision.py [--n 400] [--threads 1]
    ONEDNN_MAX_CPU_ISA=AVX2 PYTHONPATH=. python scripts/bench_precision.py   # oneDNN held back

Prints the machine (CPU model, cores, int8-relevant ISA flags, torch, threads), the choice
EmotionClassifier.load(precision="auto") makes with its probe's measured ratio, and
sentences/s of predict() in int8 and in fp32 on the first n GoEmotions test comments
(best of 2 each). Rows of the per-CPU table in docs/benchmarks.md come from here.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from nlu.emotions import EmotionClassifier
    from nlu.emotions.data import load_split
    from nlu.precision import machine

    texts = load_split("test").texts[:args.n]
    auto = EmotionClassifier.load(precision="auto")
    print(f"machine: {machine().describe()}; ONEDNN_MAX_CPU_ISA="
          f"{os.environ.get('ONEDNN_MAX_CPU_ISA', '(unset)')}; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"auto chose: {auto.choice.describe()}")
    rates = {}
    for precision in ("int8", "fp32"):
        clf = EmotionClassifier.load(precision=precision)
        clf.predict(texts[:64])
        best = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            clf.predict(texts)
            best = min(best, time.perf_counter() - started)
        rates[precision] = len(texts) / best
        print(f"{precision}: {rates[precision]:.0f} sentences/s ({len(texts)} GoEmotions test "
              f"comments, batch 64, best of 2)")
    print(f"int8 / fp32: {rates['int8'] / rates['fp32']:.2f}x")


if __name__ == "__main__":
    main()
