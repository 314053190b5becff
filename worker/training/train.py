"""One LoRA fine-tune, readable top to bottom (nanoGPT's loop, made smaller).

The served base model is never changed: training runs on a copy with LoRA
layers injected (or the user's current adapter loaded, to continue from it).
AdamW on the LoRA matrices only, linear warm-up then linear decay, gradient
accumulation, an evaluation of the held-out slice after every epoch, and
early stopping that keeps the best epoch's weights. Seeds are fixed.
"""

from __future__ import annotations

import copy
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from worker.training.evaluate import Sequence_, batch_nll, collate, mean_nll
from worker.training.records import TrainConfig

if TYPE_CHECKING:
    from worker.llm.model import LanguageModel

logger = logging.getLogger(__name__)

# (optimizer step, total steps, training loss of the step)
Progress = Callable[[int, int, float], None]


@dataclass
class Trained:
    """The trained adapter (on its model copy) and how training went."""

    model: Any
    steps: int
    epochs_run: int
    best_eval_loss: float | None
    load_seconds: float


def lora_config(config: TrainConfig) -> Any:
    """The peft LoraConfig of a train config."""
    from peft import LoraConfig

    return LoraConfig(r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout,
                      target_modules=list(config.target_modules), task_type="CAUSAL_LM")


def seed_everything(seed: int) -> None:
    """Fixed seeds: the same data and settings give the same adapter."""
    import torch

    random.seed(seed)
    torch.manual_seed(seed)


def prepare(lm: LanguageModel, config: TrainConfig, init_from: Path | None) -> Any:
    """A trainable peft model on a copy of the base: fresh LoRA, or the current adapter."""
    from peft import PeftModel, get_peft_model

    base = copy.deepcopy(lm.model)
    if init_from is not None:
        return PeftModel.from_pretrained(base, str(init_from), is_trainable=True)
    return get_peft_model(base, lora_config(config))


def schedule(config: TrainConfig, total_steps: int) -> Callable[[int], float]:
    """Linear warm-up to the peak rate, then linear decay to a tenth of it."""
    warmup = max(1, round(config.warmup_ratio * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        left = max(1, total_steps - warmup)
        return max(0.1, 1.0 - 0.9 * (step - warmup) / left)

    return factor


def lora_state(model: Any) -> dict[str, Any]:
    """A copy of the trainable (LoRA) weights, to restore the best epoch."""
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def train(lm: LanguageModel, train_seqs: Sequence[Sequence_], eval_seqs: Sequence[Sequence_],
          config: TrainConfig, init_from: Path | None = None,
          progress: Progress | None = None) -> Trained:
    """Fine-tune a LoRA adapter on the sequences; stop early on the held-out loss."""
    import torch

    seed_everything(config.seed)
    started = time.perf_counter()
    model = prepare(lm, config, init_from)
    load_seconds = time.perf_counter() - started
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    batches = math.ceil(len(train_seqs) / config.batch_size)
    total = max(1, math.ceil(batches / config.grad_accum) * config.epochs)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule(config, total))
    pad, order = lm.tokenizer.pad_token_id, list(range(len(train_seqs)))
    best, best_state, bad, step, epoch = math.inf, lora_state(model), 0, 0, 0
    for epoch in range(1, config.epochs + 1):
        random.Random(config.seed + epoch).shuffle(order)
        model.train()
        step = _epoch(model, [train_seqs[i] for i in order], config, optimizer, scheduler,
                      pad, lm.device, step, total, progress)
        loss, _ = mean_nll(model, eval_seqs, pad, lm.device)
        logger.info("epoch %s: held-out loss %.4f", epoch, loss)
        if loss < best - 1e-4:
            best, best_state, bad = loss, lora_state(model), 0
        else:
            bad += 1
            if config.patience and bad >= config.patience:
                break
    model.load_state_dict(best_state, strict=False)
    model.eval()
    return Trained(model=model, steps=step, epochs_run=epoch,
                   best_eval_loss=None if math.isinf(best) else best, load_seconds=load_seconds)


def _epoch(model: Any, seqs: list[Sequence_], config: TrainConfig, optimizer: Any,
           scheduler: Any, pad: int, device: str, step: int, total: int,
           progress: Progress | None) -> int:
    """One pass over the data; returns the optimizer step count after it."""
    size, accum = config.batch_size, config.grad_accum
    batches = [seqs[i:i + size] for i in range(0, len(seqs), size)]
    running: list[float] = []
    for i, chunk in enumerate(batches):
        nll, count = batch_nll(model, collate(chunk, pad, device))
        loss = nll / max(count, 1)
        (loss / accum).backward()
        running.append(float(loss.detach()))
        if (i + 1) % accum == 0 or i + 1 == len(batches):
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if progress is not None:
                progress(step, total, sum(running) / len(running))
            running = []
    return step
