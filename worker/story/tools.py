"""What a generate worker loads once and every installment uses: spaCy, the emotion
classifier, the sentence encoder."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlu.pipeline import EmotionModel


@lru_cache(maxsize=1)
def emotion_classifier(precision: str = "auto") -> EmotionModel:
    """The GoEmotions classifier, loaded once per process (the lexicon if its artifact is gone).

    precision: STORYLOOM_EMOTION_PRECISION (auto: int8 or fp32, whichever a probe finds faster).
    """
    from nlu.emotions import load_default

    return load_default(precision)


def spacy_pipeline() -> Any:
    """The NLU stage's spaCy pipeline (cached per process)."""
    from nlu.spacy_model import load_pipeline

    return load_pipeline()


@lru_cache(maxsize=1)
def sentence_encoder() -> Any:
    """The packaged all-MiniLM-L6-v2, loaded once per process (paraphrase checks)."""
    from nlu.safety.prototypes import Encoder

    return Encoder.load()
