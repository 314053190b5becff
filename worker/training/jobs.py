"""A user's fine-tune from start to finish, and the RQ job that runs it.

Build the data, train from the current adapter (or from the base when the
current one was trained on turns since withdrawn), measure base, current and
candidate on the held-out text, save the candidate with its record, and
promote it only if it fits the user better; otherwise keep it as rejected.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from worker import metrics, runtime
from worker.records import new_id, utcnow
from worker.settings import Settings
from worker.store import Store
from worker.training import registry, schedule
from worker.training.config import train_config
from worker.training.data import Dataset, build_dataset
from worker.training.evaluate import encode_examples, perplexity
from worker.training.records import AdapterMetrics, AdapterVersion
from worker.training.train import Progress, Trained, train

if TYPE_CHECKING:
    from worker.llm.model import LanguageModel

logger = logging.getLogger(__name__)


class NotEnoughData(RuntimeError):
    """The user has too little of their own text to train and hold some out."""


def _measure(trained: Trained, lm: LanguageModel, heldout: list, current: Path | None
             ) -> tuple[float, float | None, float]:
    """(base, current adapter, candidate) perplexity on the held-out sequences."""
    model = trained.model
    candidate = perplexity(model, lm, heldout)
    with model.disable_adapter():
        base = perplexity(model, lm, heldout)
    now = None
    if current is not None:
        model.load_adapter(str(current), adapter_name="current")
        model.set_adapter("current")
        now = perplexity(model, lm, heldout)
        model.set_adapter("default")
        model.delete_adapter("current")
    return base, now, candidate


def _decide(settings: Settings, base: float, current: float | None,
            candidate: float) -> tuple[bool, str]:
    """Promote only a candidate that beats what serves the user now, by the set margin."""
    bar, against = (current, "current adapter") if current is not None else (base, "base model")
    if candidate < bar * (1 - settings.storyloom_finetune_min_gain):
        return True, f"perplexity {candidate:.2f} beats the {against}'s {bar:.2f}"
    return False, f"perplexity {candidate:.2f} does not beat the {against}'s {bar:.2f}"


def _scored(seqs: list) -> int:
    return sum(sum(t != -100 for t in labels) for _, labels in seqs)


def run_finetune(settings: Settings, store: Store, lm: LanguageModel, user: str,
                 progress: Progress | None = None, load_seconds: float = 0.0) -> AdapterVersion:
    """Fine-tune the user's adapter now; returns the new (promoted or rejected) version."""
    started, at = time.perf_counter(), utcnow()
    store.take_training_tokens(user)
    config = train_config(settings)
    data: Dataset = build_dataset(store, user, config.heldout)
    if not data.train or not data.heldout:
        raise NotEnoughData(f"user {user} has too little text of their own to fine-tune on")
    current = store.current_adapter(user)
    init = registry.current_dir(settings, store, user)
    if current is not None and current.needs_retrain:
        init = None  # trained on withdrawn turns: start again from the base
    train_seqs = encode_examples(lm, data.train, config.max_tokens)
    held_seqs = encode_examples(lm, data.heldout, config.max_tokens)
    trained = train(lm, train_seqs, held_seqs, config, init_from=init, progress=progress)
    base, now, cand = _measure(trained, lm, held_seqs, registry.current_dir(settings, store, user))
    promote, reason = _decide(settings, base, now, cand)
    version_id = new_id()
    saving = time.perf_counter()
    folder = registry.version_dir(settings, user, version_id)
    trained.model.save_pretrained(str(folder))
    save_seconds = time.perf_counter() - saving
    version = AdapterVersion(
        version_id=version_id, user=user, number=registry.next_number(store, user),
        status="promoted" if promote else "rejected", base_model=lm.identity,
        parent=current.version_id if current is not None and init is not None else None,
        config=config, turn_ids=data.turn_ids, examples=len(data.train) + len(data.heldout),
        metrics=AdapterMetrics(
            base=base, current=now, candidate=cand, best_eval_loss=trained.best_eval_loss,
            heldout_tokens=_scored(held_seqs), train_tokens=_scored(train_seqs),
            epochs_run=trained.epochs_run, steps=trained.steps),
        adapter_bytes=registry.folder_bytes(folder), started_at=at, reason=reason,
        seconds=round(time.perf_counter() - started + load_seconds, 3),
        load_save_seconds=round(load_seconds + trained.load_seconds + save_seconds, 3),
    )
    registry.record(settings, store, version)
    metrics.FINETUNE_SECONDS.labels(outcome=version.status).observe(version.seconds)
    return version


def finetune_job(user: str) -> dict[str, Any] | None:
    """RQ job: fine-tune one user with the worker's model; frees the user's lock when done."""
    ctx = runtime.current()
    try:
        version = run_finetune(ctx.settings, ctx.store, ctx.model(), user)
    except NotEnoughData:
        logger.info("user %s: not enough text of their own to fine-tune yet", user)
        version = None
    # on an error the lock stays until the last retry (finetune_failed)
    schedule.release(ctx.store.redis, ctx.store, user)
    if version is None:
        return None
    return {"version_id": version.version_id, "status": version.status,
            "candidate": version.metrics.candidate, "base": version.metrics.base}


def finetune_failed(job: Any, connection: Any, exc_type: Any, exc: Any, tb: Any) -> None:
    """Count a failed fine-tune; after its last retry, free the user's lock."""
    if job.retries_left:
        logger.warning("fine-tune job %s failed (%s); %s retries left", job.id,
                       exc_type.__name__, job.retries_left)
        return
    metrics.FINETUNE_SECONDS.labels(outcome="failed").observe(0)
    logger.error("fine-tune job %s failed: %s", job.id, exc_type.__name__)
    # the job never reached its own release: killed with its worker, or raised
    ctx = runtime.current()
    schedule.release(ctx.store.redis, ctx.store, job.args[0])
