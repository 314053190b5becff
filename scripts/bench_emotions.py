"""GoEmotions test set: the shipped classifier against the lexicon stand-in and the paper.

Prints macro-F1 over the 28 labels, the Ekman groups and sentiment (thresholds from the
artifact, tuned on dev), per-label F1, and sentences/s on one CPU core and on all cores.

Run: PYTHONPATH=. python scripts/bench_emotions.py [--speed-n 2000] [--artifact DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from nlu.emotions import LABELS, EmotionClassifier
from nlu.emotions.data import load_split
from nlu.emotions.labels import BLOCKS
from nlu.emotions.lexicon import LexiconEmotionClassifier
from nlu.emotions.metrics import report
from nlu.emotions.train import evaluate

PAPER = {"labels": 0.46, "ekman": 0.64, "sentiment": 0.69}  # BERT-base, Demszky et al. 2020

def classifier_scores(clf: EmotionClassifier, gold: np.ndarray, texts: list[str]) -> dict:
    """Each block's F1 under the artifact's thresholds (tuned on dev)."""
    return evaluate(gold, clf.probabilities(texts, 128), clf.thresholds)


def lexicon_scores(gold: np.ndarray, texts: list[str]) -> dict:
    """The stand-in under its own rule: a label fires at 0.5, an empty row is neutral."""
    scored = LexiconEmotionClassifier.load().predict(texts)
    out = {}
    for name, first, names in BLOCKS:
        field = "emotions" if name == "labels" else name
        probs = np.array([[getattr(s, field)[k] for k in names] for s in scored])
        out[name] = report(gold[:, first:first + len(names)], probs, np.full(len(names), 0.5),
                           names)
    return out


def speed(model: object, texts: list[str], threads: int) -> float:
    """Sentences per second through predict() with torch limited to ``threads``."""
    import torch

    torch.set_num_threads(threads)
    model.predict(texts[:64])  # type: ignore[attr-defined]
    start = time.perf_counter()
    model.predict(texts)  # type: ignore[attr-defined]
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--speed-n", type=int, default=2000, help="test sentences timed")
    ap.add_argument("--artifact", type=Path, default=None)
    ap.add_argument("--precision", choices=("artifact", "fp32", "int8"), default="artifact",
                    help="encoder precision (default: what the artifact's config says)")
    args = ap.parse_args()
    test = load_split("test")
    gold = np.array(test.targets())
    quantize = {"artifact": None, "fp32": False, "int8": True}[args.precision]
    clf = EmotionClassifier.load(args.artifact, quantize=quantize)
    ours, lex = classifier_scores(clf, gold, test.texts), lexicon_scores(gold, test.texts)
    print(f"GoEmotions test, {len(test.texts)} comments; thresholds tuned on dev; "
          f"encoder {'int8' if clf.int8 else 'fp32'}")
    print(f"{'macro-F1':<12}{'classifier':>12}{'lexicon':>10}{'BERT-base':>11}")
    for name, _, _ in BLOCKS:
        print(f"{name:<12}{ours[name]['macro_f1']:>12.4f}{lex[name]['macro_f1']:>10.4f}"
              f"{PAPER[name]:>11.2f}")
    print(f"\n{'label':<16}{'F1':>8}{'lexicon':>10}{'support':>9}")
    for i, k in enumerate(LABELS):
        print(f"{k:<16}{ours['labels']['per_label_f1'][k]:>8.4f}"
              f"{lex['labels']['per_label_f1'][k]:>10.4f}{int(gold[:, i].sum()):>9}")
    texts = test.texts[:args.speed_n]
    cores = os.cpu_count() or 1
    print(f"\nspeed on {len(texts)} test comments, batch 64 (load average "
          f"{os.getloadavg()[0]:.1f} on {cores} cores):")
    print(f"  classifier, 1 thread : {speed(clf, texts, 1):8.0f} sentences/s")
    print(f"  classifier, {cores} threads: {speed(clf, texts, cores):8.0f} sentences/s")
    print(f"  lexicon              : {speed(LexiconEmotionClassifier.load(), texts, 1):8.0f}"
          " sentences/s")


if __name__ == "__main__":
    main()
