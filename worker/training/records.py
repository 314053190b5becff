"""Records of the learning loop: training examples, the config of a fine-tune, adapter versions.

Kept free of heavy imports: the store reads and writes these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from worker.store.records import ChatMessage, Record, utcnow

ExampleKind = Literal["turn", "edit", "installment", "pair"]


class TrainingExample(Record):
    """One piece of a user's training data and the turns it came from (lineage)."""

    kind: ExampleKind
    source_id: str = Field(description="turn, feedback, installment or pair id")
    text: str = Field(description="what the model learns to write (PII redacted)")
    prompt: tuple[ChatMessage, ...] = ()
    rejected: str | None = Field(default=None, description="pairs: the version not chosen")
    turn_ids: tuple[str, ...] = ()
    heldout: bool = False


class TrainConfig(Record):
    """Everything that shaped one fine-tune (saved with the adapter it made)."""

    rank: int
    alpha: int
    dropout: float
    target_modules: tuple[str, ...]
    learning_rate: float
    weight_decay: float
    warmup_ratio: float
    epochs: int
    batch_size: int
    grad_accum: int
    max_tokens: int
    patience: int
    heldout: float
    seed: int


AdapterStatus = Literal["promoted", "retired", "rejected", "rolled_back"]


class StoryMetrics(Record):
    """The story engine's measures of one model's drafts of the same installment (means)."""

    faithfulness: float
    invented_rate: float
    tone_match: float = Field(description="the classifier's score for the tone asked (0..1)")
    distinct_2: float
    repetition: float
    score: float = Field(description="mean of faithfulness, 1 - invented, tone, distinct-2 "
                         "and 1 - repetition (0..1, higher is better)")
    drafts: int = Field(ge=0)


class AdapterMetrics(Record):
    """Perplexity on the user's held-out text, before and after (lower is better), and the
    story engine's measures of a probe installment drafted by each model."""

    base: float
    current: float | None = None
    candidate: float
    heldout_tokens: int = Field(ge=0)
    train_tokens: int = Field(ge=0)
    best_eval_loss: float | None = None
    epochs_run: int = Field(default=0, ge=0)
    steps: int = Field(default=0, ge=0)
    story_base: StoryMetrics | None = None
    story_current: StoryMetrics | None = None
    story_candidate: StoryMetrics | None = None


class AdapterVersion(Record):
    """One trained adapter of one user: config, base, lineage, numbers, times, status."""

    version_id: str
    user: str
    number: int = Field(ge=1)
    status: AdapterStatus
    base_model: str
    parent: str | None = Field(default=None, description="the version training continued from")
    config: TrainConfig
    turn_ids: tuple[str, ...] = Field(default=(), description="turns its training data came from")
    examples: int = Field(default=0, ge=0)
    metrics: AdapterMetrics
    adapter_bytes: int = Field(default=0, ge=0)
    seconds: float = Field(default=0.0, ge=0)
    load_save_seconds: float = Field(default=0.0, ge=0)
    started_at: datetime
    finished_at: datetime = Field(default_factory=utcnow)
    needs_retrain: bool = Field(default=False, description="trained on turns since withdrawn")
    reason: str = ""
