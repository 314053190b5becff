"""Lexicon emotion scorer: a stand-in for the GoEmotions classifier with the same output shape.

Valence comes from the VADER lexicon (vaderSentiment's vader_lexicon.txt, read directly so
we score on one cheap tokenisation); emotion labels come from a small hand list of cue
words per GoEmotions label. It is a fallback: crude, fast and transparent.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

from nlu.emotions.labels import (
    EKMAN,
    EKMAN_GROUPS,
    LABELS,
    SENTIMENT_GROUPS,
    SENTIMENTS,
    EmotionScores,
    combine,
)

__all__ = ["EKMAN", "LABELS", "SENTIMENTS", "LexiconEmotionClassifier", "LexiconScores",
           "score_text"]


_CUES = {
    "admiration": "admire amazing impressive incredible wonderful brilliant inspiring respect",
    "amusement": "funny hilarious laugh lol haha amusing joke giggle",
    "anger": "angry furious rage mad hate livid outraged",
    "annoyance": "annoyed annoying irritated frustrated frustrating fed bothered",
    "approval": "agree approve support fair",
    "caring": "care cared caring comfort comforted hug hugged protect",
    "confusion": "confused confusing puzzled unsure lost",
    "curiosity": "curious wonder wondered interested",
    "desire": "wish wished hope longing crave dream",
    "disappointment": "disappointed disappointing letdown regret",
    "disapproval": "disapprove wrong unfair",
    "disgust": "disgusted disgusting gross sick revolting",
    "embarrassment": "embarrassed embarrassing ashamed awkward humiliated",
    "excitement": "excited exciting thrilled can't wait thrill",
    "fear": "afraid scared terrified frightened fear panic terrifying",
    "gratitude": "thank thanks thankful grateful blessed appreciate",
    "grief": "grief grieve grieving mourn mourning funeral passed died death lost",
    "joy": "happy happiest joy glad delighted cheerful wonderful lovely fun enjoyed",
    "love": "love loved loving adore adored beloved",
    "nervousness": "nervous anxious worried worry worrying stressed tense",
    "optimism": "hopeful optimistic hope better soon",
    "pride": "proud pride accomplished achievement",
    "realization": "realize realized realised noticed understood",
    "relief": "relieved relief finally",
    "remorse": "sorry guilty remorse apologize apologise",
    "sadness": "sad unhappy miss missed cry cried crying tears lonely depressed heartbroken",
    "surprise": "surprised surprising shocked amazed unexpected wow",
}
_NEGATORS = frozenset(
    [
        "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "don't",
        "dont", "didn't", "didnt", "doesn't", "doesnt", "isn't", "isnt", "wasn't", "wasnt",
        "aren't", "arent", "weren't", "werent", "can't", "cant", "cannot", "couldn't", "couldnt",
        "won't", "wont", "wouldn't", "wouldnt", "haven't", "havent", "hasn't", "hasnt", "hadn't",
        "hadnt"
    ]
)
_BOOSTERS = frozenset(
    [
        "very", "really", "so", "extremely", "incredibly", "totally", "truly", "deeply",
        "absolutely", "completely", "utterly", "super"
    ]
)
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
# VADER's normalisation constant: compound = s / sqrt(s^2 + 15).
_ALPHA = 15.0


@lru_cache(maxsize=1)
def _valence() -> dict[str, float]:
    import vaderSentiment

    path = Path(vaderSentiment.__file__).with_name("vader_lexicon.txt")
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, score, *_ = line.split("\t")
        table[word] = float(score)
    return table


@lru_cache(maxsize=1)
def _cue_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for label, words in _CUES.items():
        for word in words.split():
            table.setdefault(word, label)
    return table


# The lexicon returns the classifier's own record.
LexiconScores = EmotionScores


def score_text(text: str) -> LexiconScores:
    """Score one text: 28 label probabilities, Ekman groups and sentiment."""
    valence, cues = _valence(), _cue_table()
    tokens = _TOKEN.findall(text.lower())
    total, evidence = 0.0, dict.fromkeys(LABELS, 0.0)
    for i, tok in enumerate(tokens):
        window = tokens[max(0, i - 3):i]
        negated = any(w in _NEGATORS for w in window)
        weight = 1.3 if i and tokens[i - 1] in _BOOSTERS else 1.0
        v = valence.get(tok, 0.0)
        total += v * weight * (-0.74 if negated else 1.0)
        label = cues.get(tok)
        if label and not negated:
            evidence[label] += weight
    compound = total / math.sqrt(total * total + _ALPHA)
    probs = {k: 1.0 - math.exp(-1.2 * e) for k, e in evidence.items()}
    # Strong valence without a cue word still says something: a mild joy or sadness.
    if compound >= 0.5:
        probs["joy"] = max(probs["joy"], 0.6 * compound)
    elif compound <= -0.5:
        probs["sadness"] = max(probs["sadness"], -0.6 * compound)
    top = max(p for k, p in probs.items() if k != "neutral")
    probs["neutral"] = max(0.0, 1.0 - top) * (1.0 - abs(compound) / 2)
    probs = {k: round(min(p, 0.97), 4) for k, p in probs.items()}
    labels = sorted((k for k in LABELS if probs[k] >= 0.5), key=lambda k: -probs[k]) or ["neutral"]
    ekman = {g: round(combine(probs, m), 4) for g, m in EKMAN_GROUPS.items()}
    ekman["neutral"] = probs["neutral"]
    sentiment = {g: round(combine(probs, m), 4) for g, m in SENTIMENT_GROUPS.items()}
    sentiment["positive"] = round(max(sentiment["positive"], compound, 0.0), 4)
    sentiment["negative"] = round(max(sentiment["negative"], -compound, 0.0), 4)
    sentiment["neutral"] = probs["neutral"]
    return LexiconScores(emotions=probs, labels=labels, ekman=ekman, sentiment=sentiment)


class LexiconEmotionClassifier:
    """Drop-in stand-in for nlu.emotions.EmotionClassifier (load / predict)."""

    @classmethod
    def load(cls) -> LexiconEmotionClassifier:
        """Read the lexicons once."""
        _valence()
        _cue_table()
        return cls()

    def predict(self, texts: list[str], batch_size: int = 64) -> list[LexiconScores]:
        """Score each text; batch_size is accepted for API parity and unused."""
        return [score_text(t) for t in texts]

    def encode(self, texts: list[str]) -> list[str]:
        """The prepared input of score(): the texts themselves."""
        return [t if isinstance(t, str) else "" for t in texts]

    def score(self, texts: list[str]) -> list[LexiconScores]:
        """Score prepared texts (see encode)."""
        return self.predict(texts)
