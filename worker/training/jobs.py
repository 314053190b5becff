"""A user's fine-tune from start to finish, and the RQ job that runs it.

Build the data, train from the current adapter (or from the base when the
current one was trained on turns since withdrawn), measure base, current and
candidate on the held-out text and on a probe installment drafted by each
(worker.training.story_eval), save the candidate with its record, and promote
it only if it fits the user better without writing worse stories; otherwise
keep it as rejected.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from worker.ops import metrics, runtime
from worker.ops.purge import forget_this_job, purge_user_jobs
from worker.settings import Settings
from worker.store.base import UserForgotten
from worker.store.records import new_id, utcnow
from worker.store.store import Store
from worker.training import registry, schedule, story_eval
from worker.training.config import train_config
from worker.training.data import Dataset, build_dataset
from worker.training.evaluate import encode_examples, perplexity
from worker.training.records import AdapterMetrics, AdapterVersion, StoryMetrics
from worker.training.train import Progress, Trained, train

if TYPE_CHECKING:
    from worker.llm.model import LanguageModel

logger = logging.getLogger(__name__)


class NotEnoughData(RuntimeError):
    """The user has too little of their own text to train and hold some out."""


@contextmanager
def _serving(model: Any, which: str, current: Path | None) -> Iterator[None]:
    """The trained model as the candidate, the base model, or the user's current adapter."""
    if which == "base":
        with model.disable_adapter():
            yield
        return
    if which == "candidate":
        yield
        return
    model.load_adapter(str(current), adapter_name="current")
    model.set_adapter("current")
    try:
        yield
    finally:
        model.set_adapter("default")
        model.delete_adapter("current")


@dataclass
class Measured:
    """Each model's perplexity on the held-out text and, when there is a story to probe,
    its story measures (keys: base, current, candidate)."""

    perplexity: dict[str, float]
    story: dict[str, StoryMetrics]


def _measure(settings: Settings, store: Store, user: str, trained: Trained, lm: LanguageModel,
             heldout: list, current: Path | None) -> Measured:
    """Perplexity and story measures of the base model, the current adapter and the candidate."""
    from worker.llm.model import LanguageModel

    model = trained.model
    model.eval()
    found = (story_eval.probe(settings, store, lm, user)
             if settings.storyloom_finetune_story_tokens else None)
    out = Measured({}, {})
    for which in ("candidate", "base", "current"):
        if which == "current" and current is None:
            continue
        with _serving(model, which, current):
            out.perplexity[which] = perplexity(model, lm, heldout)
            if found is not None:
                served = LanguageModel(model, lm.tokenizer, f"{lm.identity}+{which}", lm.device)
                out.story[which] = story_eval.measure(settings, store, served, found)
    return out


def _decide(settings: Settings, measured: Measured) -> tuple[bool, str]:
    """Promote only a candidate that beats what serves the user now in perplexity, by the set
    margin, and whose story score is not lower than that model's by more than its margin."""
    ppl, story = measured.perplexity, measured.story
    bar = "current" if "current" in ppl else "base"
    against = "current adapter" if bar == "current" else "base model"
    cand = ppl["candidate"]
    if not cand < ppl[bar] * (1 - settings.storyloom_finetune_min_gain):
        return False, f"perplexity {cand:.2f} does not beat the {against}'s {ppl[bar]:.2f}"
    reason = f"perplexity {cand:.2f} beats the {against}'s {ppl[bar]:.2f}"
    if bar not in story or "candidate" not in story:
        return True, reason
    mine, theirs = story["candidate"].score, story[bar].score
    if mine < theirs - settings.storyloom_finetune_story_margin:
        return False, (f"{reason}, but its story score {mine:.3f} falls below the {against}'s "
                       f"{theirs:.3f}")
    return True, f"{reason}; story score {mine:.3f} against {theirs:.3f}"


def _scored(seqs: list) -> int:
    return sum(sum(t != -100 for t in labels) for _, labels in seqs)


def run_finetune(settings: Settings, store: Store, lm: LanguageModel, user: str,
                 progress: Progress | None = None, load_seconds: float = 0.0) -> AdapterVersion:
    """Fine-tune the user's adapter now; returns the new (promoted or rejected) version.

    Raises UserForgotten when the user was forgotten while it ran: nothing is saved."""
    started, at = time.perf_counter(), utcnow()
    store.take_training_tokens(user)
    config = train_config(settings)
    data: Dataset = build_dataset(store, user, config.heldout)
    if not data.train or not data.heldout:
        raise NotEnoughData(f"user {user} has too little text of their own to fine-tune on")
    current = store.current_adapter(user)
    with registry.opened(store, current) as current_files:
        # trained on withdrawn turns: start again from the base
        init = None if current is not None and current.needs_retrain else current_files
        train_seqs = encode_examples(lm, data.train, config.max_tokens)
        held_seqs = encode_examples(lm, data.heldout, config.max_tokens)
        trained = train(lm, train_seqs, held_seqs, config, init_from=init, progress=progress)
        measured = _measure(settings, store, user, trained, lm, held_seqs, current_files)
    promote, reason = _decide(settings, measured)
    ppl, story = measured.perplexity, measured.story
    version_id = new_id()
    saving = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="storyloom-finetune-") as tmp:
        folder = Path(tmp)
        trained.model.save_pretrained(str(folder))
        save_seconds = time.perf_counter() - saving
        version = AdapterVersion(
            version_id=version_id, user=user, number=registry.next_number(store, user),
            status="promoted" if promote else "rejected", base_model=lm.identity,
            parent=current.version_id if current is not None and init is not None else None,
            config=config, turn_ids=data.turn_ids, examples=len(data.train) + len(data.heldout),
            metrics=AdapterMetrics(
                base=ppl["base"], current=ppl.get("current"), candidate=ppl["candidate"],
                story_base=story.get("base"), story_current=story.get("current"),
                story_candidate=story.get("candidate"), best_eval_loss=trained.best_eval_loss,
                heldout_tokens=_scored(held_seqs), train_tokens=_scored(train_seqs),
                epochs_run=trained.epochs_run, steps=trained.steps),
            adapter_bytes=registry.folder_bytes(folder), started_at=at, reason=reason,
            seconds=round(time.perf_counter() - started + load_seconds, 3),
            load_save_seconds=round(load_seconds + trained.load_seconds + save_seconds, 3),
        )
        _refuse_if_forgotten(store, user, at)  # /forget came while it trained
        registry.save(store, version, folder)
    _refuse_if_forgotten(store, user, at)  # ... or while it saved: take back what it stored
    metrics.FINETUNE_SECONDS.labels(outcome=version.status).observe(version.seconds)
    return version


def _refuse_if_forgotten(store: Store, user: str, since: datetime) -> None:
    """A user forgotten after `since` gets nothing back: their objects go, and we stop."""
    if store.forgotten_since(user, since):
        store.delete_adapter_files(user)
        raise UserForgotten(f"user {user} was forgotten while their fine-tune ran")


def finetune_job(user: str) -> dict[str, Any] | None:
    """RQ job: fine-tune one user with the worker's model; frees the user's lock when done."""
    ctx = runtime.current()
    try:
        version = run_finetune(ctx.settings, ctx.store, ctx.model(), user)
    except NotEnoughData:
        logger.info("user %s: not enough text of their own to fine-tune yet", user)
        version = None
    except UserForgotten:
        logger.info("user %s was forgotten during their fine-tune: nothing kept", user)
        forget_this_job()
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
    if ctx.store.forgotten_at(job.args[0]) is not None:
        purge_user_jobs(ctx.store.redis, job.args[0])
