"""Multi-label F1 and per-column threshold tuning (numpy only).

The decision rule is the one EmotionClassifier ships: a column fires when its probability
reaches its threshold, and a row where nothing fires falls back to ``neutral``. Thresholds
are tuned on dev, one column at a time, and only then is test scored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)


def f1(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Per-column F1 of 0/1 matrices (0 where a column has neither gold nor predictions)."""
    tp = (gold * pred).sum(0)
    denom = gold.sum(0) + pred.sum(0)
    return np.divide(2 * tp, denom, out=np.zeros_like(tp, dtype=float), where=denom > 0)


def tune_thresholds(gold: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """For each column, the grid threshold with the best F1 on these (dev) rows."""
    best = np.empty(gold.shape[1])
    for k in range(gold.shape[1]):
        scores = [f1(gold[:, k:k + 1], (probs[:, k:k + 1] >= t).astype(float))[0] for t in GRID]
        best[k] = GRID[int(np.argmax(scores))]
    return best


def decide(probs: np.ndarray, thresholds: np.ndarray, neutral: int) -> np.ndarray:
    """0/1 predictions: columns at or above threshold; an empty row gets column ``neutral``."""
    pred = (probs >= thresholds).astype(float)
    pred[pred.sum(1) == 0, neutral] = 1.0
    return pred


def report(gold: np.ndarray, probs: np.ndarray, thresholds: np.ndarray,
           names: Sequence[str]) -> dict[str, object]:
    """Macro-F1 and per-column F1 under the shipped decision rule."""
    per = f1(gold, decide(probs, thresholds, list(names).index("neutral")))
    return {"macro_f1": round(float(per.mean()), 4),
            "per_label_f1": {n: round(float(v), 4) for n, v in zip(names, per, strict=True)}}
