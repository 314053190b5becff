"""GoEmotions splits from the vendored copy (datasets/goemotions), as texts and 0/1 targets.

A target row has 39 columns: the 28 labels, then the 7 Ekman groups, then the 4 sentiments,
each group derived from the 28 labels with GoEmotions' own mappings (nlu.emotions.labels).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from nlu.emotions.labels import EKMAN, EKMAN_GROUPS, LABELS, SENTIMENT_GROUPS, SENTIMENTS, group_of

# The checkout's datasets/goemotions; training runs from a checkout, never from a wheel.
DATA_DIR = Path(__file__).resolve().parents[2] / "datasets" / "goemotions"
SPLITS = ("train", "dev", "test")
COLUMNS = (*LABELS, *(f"ekman:{g}" for g in EKMAN), *(f"sentiment:{s}" for s in SENTIMENTS))


@dataclass(frozen=True)
class Split:
    """One split: texts and their gold label names."""

    name: str
    texts: list[str]
    labels: list[list[str]]

    def targets(self) -> list[list[float]]:
        """0/1 rows over COLUMNS (28 labels, 7 Ekman groups, 4 sentiments)."""
        return [_row(labels) for labels in self.labels]


def _row(labels: list[str]) -> list[float]:
    ekman = group_of(EKMAN_GROUPS, labels)
    sentiment = group_of(SENTIMENT_GROUPS, labels)
    return ([float(k in labels) for k in LABELS] + [float(g in ekman) for g in EKMAN]
            + [float(s in sentiment) for s in SENTIMENTS])


def load_split(name: str, data_dir: Path = DATA_DIR) -> Split:
    """Read ``{name}.tsv``: text, comma-separated label ids, comment id."""
    names = (data_dir / "emotions.txt").read_text(encoding="utf-8").split()
    if tuple(names) != LABELS:
        raise ValueError(f"{data_dir}/emotions.txt does not list GoEmotions' 28 labels in order")
    texts, labels = [], []
    for line in (data_dir / f"{name}.tsv").read_text(encoding="utf-8").splitlines():
        text, ids, _ = line.split("\t")
        texts.append(text)
        labels.append([names[int(i)] for i in ids.split(",")])
    return Split(name, texts, labels)


def data_hashes(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """SHA-256 of each file training reads, for the artifact's provenance."""
    files = [f"{s}.tsv" for s in SPLITS] + ["emotions.txt"]
    return {f: hashlib.sha256((data_dir / f).read_bytes()).hexdigest() for f in files}
