"""GoEmotions emotions: 28 labels, Ekman groups and sentiment from a LoRA-tuned MiniLM.

``EmotionClassifier.load()`` reads the artifact shipped in ``nlu/emotions/artifact``;
``python -m nlu.emotions.train`` rebuilds it. Importing this package does not import torch.
"""

from nlu.emotions.classifier import EmotionClassifier
from nlu.emotions.labels import EKMAN, LABELS, SENTIMENTS, EmotionScores

__all__ = ["EKMAN", "LABELS", "SENTIMENTS", "EmotionClassifier", "EmotionScores"]
