"""GoEmotions emotions: 28 labels, Ekman groups and sentiment from a LoRA-tuned MiniLM.

``EmotionClassifier.load()`` reads the artifact shipped in ``nlu/emotions/artifact``;
``python -m nlu.emotions.train`` rebuilds it. Importing this package does not import torch.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from nlu.emotions.classifier import EmotionClassifier
from nlu.emotions.labels import EKMAN, LABELS, SENTIMENTS, EmotionScores

if TYPE_CHECKING:
    from nlu.emotions.lexicon import LexiconEmotionClassifier

__all__ = ["EKMAN", "LABELS", "SENTIMENTS", "EmotionClassifier", "EmotionScores", "load_default",
           "precision_of"]

logger = logging.getLogger(__name__)


def load_default(precision: str = "auto") -> EmotionClassifier | LexiconEmotionClassifier:
    """The shipped classifier; the lexicon stand-in (with a warning) if the artifact is missing.

    precision: "auto" (int8 or fp32, whichever a probe at load runs faster), "int8" or "fp32".
    """
    try:
        return EmotionClassifier.load(precision=precision)
    except FileNotFoundError:
        from nlu.emotions.lexicon import LexiconEmotionClassifier

        logger.warning("GoEmotions artifact missing (nlu/emotions/artifact); "
                       "emotions fall back to the lexicon scorer")
        return LexiconEmotionClassifier.load()


def precision_of(model: object) -> str:
    """Which precision a loaded emotion model runs in, and why (for start-up logs)."""
    if isinstance(model, EmotionClassifier):
        return model.choice.describe()
    return "lexicon stand-in (no artifact)"
