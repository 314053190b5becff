"""Feelings for the profile: the emotion labels a message expresses, with a strength."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from nlu.schema import Feeling

# Below this a label is noise for the profile, even if the classifier listed it.
MIN_STRENGTH = 0.3


def feelings_from(emotions: Mapping[str, float], labels: Sequence[str]) -> list[Feeling]:
    """Feelings from classifier output: its labels except neutral, strongest first."""
    out = [
        Feeling(label=label, strength=round(float(emotions.get(label, 0.0)), 4))
        for label in labels
        if label != "neutral" and emotions.get(label, 0.0) >= MIN_STRENGTH
    ]
    return sorted(out, key=lambda f: -f.strength)
