"""The config of a fine-tune, read from Settings (saved with every adapter it makes)."""

from __future__ import annotations

from worker.settings import Settings
from worker.training.records import TrainConfig


def train_config(settings: Settings) -> TrainConfig:
    """The LoRA and optimiser settings of the next fine-tune."""
    modules = tuple(m.strip() for m in settings.storyloom_lora_target_modules.split(",")
                    if m.strip())
    return TrainConfig(
        rank=settings.storyloom_lora_rank, alpha=settings.storyloom_lora_alpha,
        dropout=settings.storyloom_lora_dropout, target_modules=modules,
        learning_rate=settings.storyloom_lora_learning_rate,
        weight_decay=settings.storyloom_lora_weight_decay,
        warmup_ratio=settings.storyloom_lora_warmup_ratio, epochs=settings.storyloom_lora_epochs,
        batch_size=settings.storyloom_lora_batch_size,
        grad_accum=settings.storyloom_lora_grad_accum,
        max_tokens=settings.storyloom_lora_max_tokens, patience=settings.storyloom_lora_patience,
        heldout=settings.storyloom_lora_heldout, seed=settings.storyloom_lora_seed,
    )


def training_settings(settings: Settings) -> Settings:
    """Settings for a process that trains: the model in full precision (gradients cannot
    pass through an int8 or bitsandbytes layer as the trainer needs; serving keeps its
    precision, and the adapters trained here load on top of it)."""
    return settings.model_copy(update={"storyloom_quantize": "none"})
