"""EmotionClassifier: the shipped GoEmotions model, loaded once, scoring texts in batches."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from nlu.emotions.labels import EKMAN, LABELS, SENTIMENTS, EmotionScores, above
from nlu.emotions.model import ARTIFACT_DIR, load_base, make_net, merge_lora, read_artifact

logger = logging.getLogger(__name__)

# Column blocks of the head's output (see nlu.emotions.data.COLUMNS).
_BLOCKS = (("labels", LABELS), ("ekman", EKMAN), ("sentiment", SENTIMENTS))


class EmotionClassifier:
    """28 GoEmotions labels, Ekman groups and sentiment, with thresholds tuned on dev."""

    def __init__(self, tokenizer: Any, net: Any, config: dict[str, Any]) -> None:
        self.tokenizer = tokenizer
        self.net = net
        self.config = config
        self.thresholds: dict[str, dict[str, float]] = config["thresholds"]
        self.max_length = int(config.get("inference_max_length", 128))

    @classmethod
    def load(cls, path: Path | str | None = None, quantize: bool | None = None,
             ) -> EmotionClassifier:
        """Load the artifact (default: the one shipped in nlu/emotions/artifact) over MiniLM.

        ``quantize`` (default: the artifact's ``inference.quantize``, which its thresholds and
        metrics were measured with; off) runs the linear layers in dynamic int8: ~1.7x faster
        on CPU, but activations are scaled per batch, so a text's scores then depend on the
        other texts in its batch (by a few points), and test F1 moved by -0.005..+0.002.
        """
        tensors, config = read_artifact(Path(path) if path is not None else ARTIFACT_DIR)
        tokenizer, encoder = load_base()
        version = config["base"]["version"]
        from importlib.metadata import version as installed

        if installed(config["base"]["package"]) != version:
            logger.warning("emotion artifact was trained on %s %s; %s is installed",
                           config["base"]["package"], version, installed(config["base"]["package"]))
        net = make_net(encoder, n_out=len(LABELS) + len(EKMAN) + len(SENTIMENTS))
        merge_lora(net, tensors, scale=config["train"]["lora_alpha"] / config["train"]["lora_r"])
        if config.get("inference", {}).get("quantize", False) if quantize is None else quantize:
            net = _int8(net)
        return cls(tokenizer, net.eval(), config)

    def probabilities(self, texts: list[str], batch_size: int = 64) -> Any:
        """Sigmoid outputs, shape (len(texts), 39): labels, Ekman groups, sentiments."""
        import numpy as np
        import torch

        enc = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(enc[i]))
        out = np.zeros((len(texts), self.net.head.out_features), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            ids, mask = pad([enc[i] for i in idx], self.tokenizer.pad_token_id)
            with torch.inference_mode():
                out[idx] = torch.sigmoid(self.net(ids, mask)).numpy()
        return out

    def predict(self, texts: list[str], batch_size: int = 64) -> list[EmotionScores]:
        """Score each text (any string: empty, huge or odd ones are fine)."""
        probs = self.probabilities([t if isinstance(t, str) else "" for t in texts], batch_size)
        return [self._scores(row) for row in probs]

    def _scores(self, row: Any) -> EmotionScores:
        blocks, col = {}, 0
        for name, names in _BLOCKS:
            blocks[name] = {k: round(float(row[col + i]), 4) for i, k in enumerate(names)}
            col += len(names)
        labels = above(blocks["labels"], self.thresholds["labels"])
        return EmotionScores(emotions=blocks["labels"], labels=labels,
                             ekman=blocks["ekman"], sentiment=blocks["sentiment"])


def _int8(net: Any) -> Any:
    """Dynamic int8 linear layers (weights int8, activations quantised per batch)."""
    import warnings

    import torch

    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)


def pad(rows: list[list[int]], pad_id: int) -> tuple[Any, Any]:
    """Right-pad token id lists to the longest: (input_ids, attention_mask) tensors."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask

