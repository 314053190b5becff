"""GoEmotions' labels, its Ekman and sentiment groupings, and the record a classifier returns.

Shared by the trained classifier (nlu.emotions) and the lexicon stand-in (nlu.emotions.lexicon), so
both speak the same labels in the same order. Pure Python: importing this imports no torch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from nlu.schema import Record

# emotions.txt order: a model's output column i is LABELS[i].
LABELS = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)
# GoEmotions' own Ekman grouping (ekman_mapping.json in the dataset repository).
EKMAN_GROUPS: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
            "relief", "pride", "admiration", "desire", "caring"),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
}
EKMAN = (*EKMAN_GROUPS, "neutral")
# sentiment_dict.json: positive is Ekman's joy, ambiguous is Ekman's surprise.
SENTIMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "positive": EKMAN_GROUPS["joy"],
    "negative": ("fear", "nervousness", "remorse", "embarrassment", "disappointment",
                 "sadness", "grief", "disgust", "anger", "annoyance", "disapproval"),
    "ambiguous": EKMAN_GROUPS["surprise"],
}
SENTIMENTS = (*SENTIMENT_GROUPS, "neutral")
# A classifier's output row in blocks: (name, first column, names): the 28 labels, then
# the 7 Ekman groups, then the 4 sentiments.
BLOCKS = (("labels", 0, LABELS), ("ekman", len(LABELS), EKMAN),
          ("sentiment", len(LABELS) + len(EKMAN), SENTIMENTS))


class EmotionScores(Record):
    """One text's emotions: 28 label probabilities, the labels that fire, and the groupings."""

    emotions: dict[str, float]
    labels: list[str]
    ekman: dict[str, float]
    sentiment: dict[str, float]


def combine(probs: Mapping[str, float], members: Sequence[str]) -> float:
    """Probability that at least one member label holds, treating them as independent."""
    return 1.0 - math.prod(1.0 - probs[m] for m in members)


def group_of(groups: Mapping[str, Sequence[str]], labels: Sequence[str]) -> list[str]:
    """The groups (plus neutral) that a set of gold or predicted labels falls into."""
    out = [g for g, members in groups.items() if any(label in members for label in labels)]
    return out + ["neutral"] if "neutral" in labels else out


def above(probs: Mapping[str, float], thresholds: Mapping[str, float]) -> list[str]:
    """The names whose probability reaches their threshold, strongest first; else neutral."""
    hits = [k for k, t in thresholds.items() if probs[k] >= t]
    return sorted(hits, key=lambda k: -probs[k]) or ["neutral"]
