"""Tone control: what each mood asks of the model and how a draft is scored against it.

Each tone maps to target GoEmotions labels (weighted) and to labels that work
against it. A draft's tone match is ``0.5 + 0.5 * (T - A)``, clipped to 0..1,
where T is the strongest weighted target probability and A the strongest
opposing one; a draft *matches* when that is at least 0.55 and some target
feeling is present (T >= 0.2). The scores come from the emotion classifier
(``nlu.emotions.EmotionClassifier``, or the lexicon stand-in with the same shape).

The mapping is TARGETS and AGAINST below (also tabled in README, "Story engine").

``auto`` follows the user: it becomes the concrete tone of the feelings they
expressed in the turns the installment tells (or, if none, their latest turns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nlu.safety import allowed_tones
from worker.profile.model import FeelingPoint, Profile

if TYPE_CHECKING:
    from worker.story.planner import Plan

TONES = {
    "auto": "warm, following the feelings they expressed",
    "joy": "joyful and light",
    "sadness": "tender and sad",
    "nostalgia": "bittersweet and nostalgic",
    "hope": "hopeful",
    "humour": "gently humorous",
    "calm": "calm and peaceful",
}
ALIASES = {
    "bittersweet nostalgia": "nostalgia", "bittersweet": "nostalgia", "nostalgic": "nostalgia",
    "humor": "humour", "funny": "humour", "humorous": "humour", "happy": "joy",
    "joyful": "joy", "sad": "sadness", "hopeful": "hope", "peaceful": "calm",
}
# How each tone is described to the model, with a few words of its register.
STYLE = {
    "joy": "joyful and light: smiles, laughter, bright moments",
    "sadness": "tender and sad: missing, tears, quiet loss, gently told",
    "nostalgia": "bittersweet and nostalgic: warm memories you miss, with love",
    "hope": "hopeful: looking forward, with courage and warmth",
    "humour": "gently humorous: small funny moments that made everyone laugh",
    "calm": "calm and peaceful: quiet, gentle, unhurried",
}
TARGETS: dict[str, dict[str, float]] = {
    "joy": {"joy": 1, "excitement": .8, "amusement": .7, "love": .7, "gratitude": .6,
            "pride": .6, "admiration": .5, "optimism": .5, "relief": .4},
    "sadness": {"sadness": 1, "grief": 1, "disappointment": .7, "remorse": .6, "love": .4,
                "caring": .4},
    "nostalgia": {"love": .9, "sadness": .8, "joy": .8, "gratitude": .8, "caring": .8,
                  "desire": .8, "admiration": .6, "realization": .6},
    "hope": {"optimism": 1, "desire": .7, "relief": .7, "joy": .7, "gratitude": .6,
             "caring": .5, "approval": .5, "pride": .5},
    "humour": {"amusement": 1, "joy": .7, "excitement": .6, "surprise": .6, "love": .4},
    "calm": {"relief": 1, "caring": .8, "gratitude": .8, "neutral": .7, "love": .6, "joy": .6,
             "approval": .6, "admiration": .5},
}
AGAINST: dict[str, tuple[str, ...]] = {
    "joy": ("sadness", "grief", "fear", "anger", "disappointment", "nervousness", "remorse"),
    "sadness": ("amusement", "excitement", "anger", "disgust"),
    "nostalgia": ("anger", "fear", "disgust", "annoyance", "nervousness"),
    "hope": ("fear", "grief", "disappointment", "nervousness", "anger"),
    "humour": ("sadness", "grief", "anger", "fear", "disgust"),
    "calm": ("fear", "anger", "nervousness", "grief", "annoyance", "excitement"),
}
MATCH_AT = 0.55
PRESENT_AT = 0.2
# Feelings a user expressed -> the tone that follows them (for auto).
_FEELING_TONE = {
    "joy": "joy", "amusement": "humour", "excitement": "joy", "pride": "joy",
    "admiration": "joy", "love": "nostalgia", "gratitude": "nostalgia", "caring": "nostalgia",
    "sadness": "sadness", "grief": "sadness", "disappointment": "sadness", "remorse": "sadness",
    "embarrassment": "humour", "optimism": "hope", "desire": "hope", "relief": "calm",
    "fear": "calm", "nervousness": "calm", "anger": "calm", "annoyance": "calm",
    "disgust": "calm", "surprise": "joy", "realization": "nostalgia",
}
# A memoir with no feeling expressed reads best warm and a little wistful.
AUTO_DEFAULT = "nostalgia"


def canonical(tone: str) -> str | None:
    """The tone's canonical name ('bittersweet nostalgia' -> 'nostalgia'); None if unknown."""
    key = " ".join(tone.replace("_", " ").replace("-", " ").lower().split())
    key = ALIASES.get(key, key)
    return key if key in TONES else None


def follow_feelings(points: Sequence[FeelingPoint]) -> str:
    """The concrete tone of the feelings a user expressed (auto)."""
    if not points:
        return AUTO_DEFAULT
    weights: dict[str, float] = {}
    for p in points:
        tone = _FEELING_TONE.get(p.label, AUTO_DEFAULT)
        weights[tone] = weights.get(tone, 0.0) + p.strength
    valences = [p.valence for p in points]
    if min(valences) < -0.2 and max(valences) > 0.2:
        return "nostalgia"  # joy and sorrow in the same memories: bittersweet
    return max(weights, key=lambda t: weights[t])


def resolve_auto(profile: Profile, turn_ids: Sequence[str], recent: int = 5) -> str:
    """The tone auto stands for: the feelings of the turns told, else the latest ones."""
    wanted = set(turn_ids)
    points = [p for p in profile.arc if p.turn_id in wanted] or list(profile.arc[-recent:])
    return follow_feelings(points)


@dataclass(frozen=True)
class ToneMatch:
    """How well a text carries a tone."""

    score: float
    ok: bool


def tone_match(emotions: Mapping[str, float], tone: str) -> ToneMatch:
    """Score classifier output (28 GoEmotions label probabilities) against a concrete tone."""
    targets = TARGETS.get(tone)
    if targets is None:
        raise ValueError(f"not a concrete tone: {tone!r}")
    t = max(w * float(emotions.get(label, 0.0)) for label, w in targets.items())
    a = max(float(emotions.get(label, 0.0)) for label in AGAINST[tone])
    score = min(1.0, max(0.0, 0.5 + 0.5 * (t - a)))
    return ToneMatch(score=round(score, 4), ok=score >= MATCH_AT and t >= PRESENT_AT)


@dataclass(frozen=True)
class ToneChoice:
    """The tone an installment is told in."""

    label: str  # what the user sees: their setting, or the safe tone that replaced it
    target: str  # the concrete mood the prompt asks for and drafts are scored against
    overridden: bool


def choose_tone(requested: str, risk: str, profile: Profile, plan: Plan) -> ToneChoice:
    """Resolve auto from the user's feelings, then apply the safety floor."""
    wanted = canonical(requested) or "auto"
    target = resolve_auto(profile, plan.turn_ids) if wanted == "auto" else wanted
    allowed, overridden = allowed_tones(risk, target)
    safe = canonical(allowed) or "calm"
    if overridden:
        return ToneChoice(label=safe, target=safe, overridden=True)
    return ToneChoice(label=wanted, target=target, overridden=False)
