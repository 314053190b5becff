"""EmotionClassifier: the shipped GoEmotions model, loaded once, scoring texts in batches."""

from __future__ import annotations

import logging
from collections.abc import Sequence, Sized
from pathlib import Path
from typing import Any

from nlu.emotions.labels import BLOCKS, EKMAN, LABELS, SENTIMENTS, EmotionScores, above
from nlu.emotions.model import ARTIFACT_DIR, load_base, make_net, merge_lora, read_artifact
from nlu.precision import Choice, choose, forced, timed

logger = logging.getLogger(__name__)

# What the precision probe scores: 16 turns of the length users write (18 words on average,
# scripts/bench_nlu.py), so both precisions are timed on the shapes the NLU stage sends.
PROBE_TEXTS = [
    "My grandmother taught me to bake bread in her kitchen every Sunday morning.",
    "I was so scared the day we moved, but the new school turned out fine.",
    "We drove to the lake last summer and my brother caught his first fish there.",
    "Honestly I still miss her, and I think about that winter a lot these days.",
    "When I was seven my dad built us a treehouse that lasted for ten years.",
    "It makes me sad that we stopped talking after the wedding, I never understood why.",
    "I work as a nurse now, which my mother would have loved to see.",
    "Best day of my life was when my daughter was born, in a snowstorm of all things!",
] * 2


class EmotionClassifier:
    """28 GoEmotions labels, Ekman groups and sentiment, with thresholds tuned on dev."""

    def __init__(self, tokenizer: Any, net: Any, config: dict[str, Any],
                 int8: bool = False, choice: Choice | None = None) -> None:
        self.tokenizer = tokenizer
        self.net = net
        self.config = config
        self.int8 = int8  # the encoder's linear layers run in int8
        self.choice = choice or Choice("int8" if int8 else "fp32", "int8" if int8 else "fp32",
                                       reason="given")
        # Each precision's thresholds, checked on dev (artifact README); fp32 may share int8's.
        self.thresholds: dict[str, dict[str, float]] = (
            config["thresholds"] if int8 else config.get("thresholds_fp32", config["thresholds"]))
        self.max_length = int(config.get("inference_max_length", 128))

    @classmethod
    def load(cls, path: Path | str | None = None, quantize: bool | None = None,
             precision: str = "auto") -> EmotionClassifier:
        """Load the artifact (default: the one shipped in nlu/emotions/artifact) over MiniLM.

        ``precision``: "int8" runs the encoder's linear layers in int8 with activations
        scaled per token (nlu.int8), "fp32" in full precision, "auto" (the default) times
        both on a probe batch and keeps the faster (nlu.precision): int8 is 1.2x to 1.5x
        faster on a CPU with VNNI, and up to 19x slower on one without. Each precision uses
        thresholds checked for it, so the labels agree (artifact README). ``quantize``
        True/False is the older spelling of "int8"/"fp32" and wins when given.
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
        requested = precision if quantize is None else ("int8" if quantize else "fp32")
        choice, net = _in_precision(net.eval(), tokenizer, requested)
        return cls(tokenizer, net, config, int8=choice.precision == "int8", choice=choice)

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids per text (truncated): the prepared input that score() takes."""
        return self.tokenizer([t if isinstance(t, str) else "" for t in texts], truncation=True,
                              max_length=self.max_length)["input_ids"]

    def score_rows(self, rows: list[list[int]]) -> Any:
        """Sigmoid outputs for encoded texts, shape (len(rows), 39): labels, Ekman, sentiment.

        Safe to call from several threads at once (the tokenizer is not touched here).
        """
        import torch

        ids, mask = pad(rows, self.tokenizer.pad_token_id)
        with torch.inference_mode():
            return torch.sigmoid(self.net(ids, mask)).numpy()

    def score(self, rows: list[list[int]]) -> list[EmotionScores]:
        """EmotionScores for encoded texts (one padded batch: pass texts of similar length)."""
        return [self._scores(row) for row in self.score_rows(rows)]

    def probabilities(self, texts: list[str], batch_size: int = 64) -> Any:
        """Sigmoid outputs, shape (len(texts), 39), in batches of texts of similar length."""
        import numpy as np

        enc = self.encode(texts)
        out = np.zeros((len(texts), self.net.head.out_features), dtype=np.float32)
        for idx in by_length(enc, batch_size):
            out[idx] = self.score_rows([enc[i] for i in idx])
        return out

    def predict(self, texts: list[str], batch_size: int = 64) -> list[EmotionScores]:
        """Score each text (any string: empty, huge or odd ones are fine)."""
        return [self._scores(row) for row in self.probabilities(texts, batch_size)]

    def _scores(self, row: Any) -> EmotionScores:
        blocks = {name: {k: round(float(row[first + i]), 4) for i, k in enumerate(names)}
                  for name, first, names in BLOCKS}
        labels = above(blocks["labels"], self.thresholds["labels"])
        return EmotionScores(emotions=blocks["labels"], labels=labels,
                             ekman=blocks["ekman"], sentiment=blocks["sentiment"])


def _int8(net: Any) -> Any:
    """The encoder's linear layers in int8 (see nlu.int8); the small head stays fp32."""
    from nlu.int8 import quantize_linears

    quantize_linears(net.encoder)
    return net


def _in_precision(net: Any, tokenizer: Any, requested: str) -> tuple[Choice, Any]:
    """The net in the requested precision, or (auto) in whichever runs the probe faster."""
    if requested != "auto":
        choice = forced(requested)
        return choice, _int8(net) if choice.precision == "int8" else net
    import copy

    import torch

    ids, mask = pad(tokenizer(PROBE_TEXTS)["input_ids"], tokenizer.pad_token_id)
    nets = {"fp32": net}

    def probe(precision: str) -> float:
        if precision not in nets:  # built inside the probe: a failure falls back to fp32
            nets[precision] = _int8(copy.deepcopy(net))
        with torch.inference_mode():
            return timed(lambda: nets[precision](ids, mask))

    choice = choose("auto", probe)
    logger.info("emotion classifier: %s", choice.describe())
    return choice, nets.get(choice.precision, net)


def by_length(encoded: Sequence[Sized], batch_size: int) -> list[list[int]]:
    """Indices of encoded inputs in batches of similar length (little padding per batch)."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


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

