"""Tone safety floor: while risk is elevated or high, dark tones give way to gentle ones."""

from __future__ import annotations

from nlu.safety.assessment import LEVELS

# Tones that stay as asked whatever the risk level.
GENTLE = frozenset({
    "calm", "hope", "hopeful", "bittersweet nostalgia", "nostalgia", "nostalgic", "warm",
    "tender", "gentle", "joyful", "joy", "playful", "humorous", "uplifting", "cozy", "serene",
    "grateful", "gratitude", "peaceful", "comforting", "whimsical", "celebratory",
})
# Dark tone -> the gentle tone that keeps its emotional register without the weight.
# Sorrow keeps its tenderness (bittersweet nostalgia); hopelessness turns to hope;
# fear, violence and menace turn to calm.
DARK_TO_GENTLE: dict[str, str] = {
    "sadness": "bittersweet nostalgia",
    "sad": "bittersweet nostalgia",
    "melancholy": "bittersweet nostalgia",
    "melancholic": "bittersweet nostalgia",
    "grief": "bittersweet nostalgia",
    "mourning": "bittersweet nostalgia",
    "tragic": "bittersweet nostalgia",
    "tragedy": "bittersweet nostalgia",
    "loss": "bittersweet nostalgia",
    "lonely": "bittersweet nostalgia",
    "despair": "hope",
    "bleak": "hope",
    "hopeless": "hope",
    "nihilistic": "hope",
    "desolate": "hope",
    "morbid": "hope",
    "existential": "hope",
    "dark": "calm",
    "horror": "calm",
    "gothic": "calm",
    "grim": "calm",
    "violent": "calm",
    "brutal": "calm",
    "menacing": "calm",
    "ominous": "calm",
    "suspense": "calm",
    "thriller": "calm",
    "angry": "calm",
    "rage": "calm",
    "anger": "calm",
    "fear": "calm",
    "dread": "calm",
    "noir": "calm",
}
# Unknown tones under risk fall back here: the safest reading of an unknown request.
FALLBACK = "calm"
_GUARDED = ("elevated", "high")


def _key(tone: str) -> str:
    return " ".join(tone.replace("_", " ").replace("-", " ").lower().split())


def allowed_tones(risk_level: str, requested_tone: str) -> tuple[str, bool]:
    """The tone to generate with, and whether the request was overridden for safety."""
    if risk_level not in LEVELS:
        raise ValueError(f"unknown risk level {risk_level!r}; expected one of {LEVELS}")
    if risk_level not in _GUARDED:
        return requested_tone, False
    key = _key(requested_tone) if isinstance(requested_tone, str) else ""
    if key in GENTLE:
        return requested_tone, False
    return DARK_TO_GENTLE.get(key, FALLBACK), True
