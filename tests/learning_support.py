"""Helpers for the learning tests: a user's writing in the store, small fine-tune settings,
adapters made without training (random LoRA B) for serving tests."""

from __future__ import annotations

import copy
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from worker.llm.model import LanguageModel
from worker.settings import Settings
from worker.store.records import Turn, new_id, utcnow
from worker.store.store import Store
from worker.training import registry
from worker.training.config import train_config
from worker.training.records import AdapterMetrics, AdapterVersion

# Short, real-sounding turns of one person, so a test fine-tune takes seconds, not minutes.
WRITING = [
    "My sister Margaret and I shared a bedroom above the shop on Calder Street.",
    "Margaret and I fought over the one good hairbrush every single morning.",
    "On Saturdays my father let me sort the washers behind the counter of the shop.",
    "My sister Margaret did up the pearl buttons on my wedding dress for twenty minutes.",
    "Frank and I took the bus to the reservoir on Sundays with a flask of tea.",
    "The shop on Calder Street smelled of machine oil, sawdust and paraffin.",
    "Frank grew runner beans and one enormous sunflower by the shed every year.",
    "My sister Margaret still rings me on Sundays to talk about the shop.",
]


def small(settings: Settings, **extra: Any) -> Settings:
    """Settings for a fine-tune that runs in seconds on the bundled model."""
    values: dict[str, Any] = dict(
        storyloom_lora_epochs=3, storyloom_lora_batch_size=2, storyloom_lora_grad_accum=1,
        storyloom_lora_max_tokens=64, storyloom_lora_learning_rate=3e-3,
        storyloom_lora_target_modules="q_proj,v_proj", storyloom_lora_heldout=0.25,
        storyloom_finetune_min_gain=0.0, storyloom_finetune_tokens=40)
    return settings.model_copy(update=values | extra)


def store_turns(store: Store, user: str, texts: list[str] = WRITING) -> list[str]:
    """Store the texts as the user's turns; returns their ids."""
    ids = []
    for text in texts:
        turn = Turn(turn_id=new_id(), user=user, platform="local", chat_id=user,
                    seq=store.next_seq(user), text=text, created_at=datetime.now(UTC))
        store.append_turn(turn)
        ids.append(turn.turn_id)
    return ids


def private_copy(lm: LanguageModel) -> LanguageModel:
    """A model of its own (adapters get injected into it; the shared fixture stays clean)."""
    return LanguageModel(copy.deepcopy(lm.model), lm.tokenizer, lm.identity, lm.device)


def random_adapter(lm: LanguageModel, folder: Path, seed: int, rank: int = 4,
                   modules: tuple[str, ...] = ("q_proj", "v_proj")) -> Path:
    """An untrained adapter whose B matrices are random (so it changes the output)."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    config = LoraConfig(r=rank, lora_alpha=32, target_modules=list(modules),
                        init_lora_weights=False, task_type="CAUSAL_LM")
    get_peft_model(copy.deepcopy(lm.model), config).save_pretrained(str(folder))
    return folder


def register_adapter(settings: Settings, store: Store, lm: LanguageModel, user: str,
                     seed: int = 1, turn_ids: tuple[str, ...] = ()) -> AdapterVersion:
    """A promoted version of the user backed by a random adapter, sealed in the store."""
    version_id = new_id()
    version = AdapterVersion(
        version_id=version_id, user=user, number=registry.next_number(store, user),
        status="promoted", base_model=lm.identity, config=train_config(settings),
        turn_ids=turn_ids, metrics=AdapterMetrics(base=10.0, candidate=9.0, heldout_tokens=1,
                                                  train_tokens=1),
        started_at=utcnow())
    with tempfile.TemporaryDirectory() as folder:
        registry.save(store, version, random_adapter(lm, Path(folder), seed))
    return version
