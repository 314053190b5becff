"""When a user's next fine-tune runs: after enough new words, one at a time per user.

New tokens are counted as turns are understood (the NLU worker calls
:func:`note_turn`). At the threshold one job goes on the ``finetune`` queue
with a job id derived from the user, guarded by a Redis lock held from
enqueue until the job ends, so a user never has two fine-tunes queued or
running at once. Tokens written meanwhile count towards the next one, which
waits out a cooldown (``STORYLOOM_FINETUNE_COOLDOWN_HOURS``) from the start of
the last: one user cannot keep the fine-tune GPU busy.

A fine-tune lost with its worker (kill -9, OOM, a node going away) is retried
like a generation job, and the lock stays held across the retries; it is let
go when the job finishes, or fails for the last time.
"""

from __future__ import annotations

import hashlib
import logging

import redis
from rq import Callback, Retry

from worker.ops.queues import FINETUNE, queue
from worker.settings import Settings
from worker.store.records import Turn
from worker.store.store import Store

logger = logging.getLogger(__name__)

# The NLU worker must not load a tokenizer: SmolLM2's BPE makes about 4 tokens
# of 3 English words, which is close enough for a threshold.
TOKENS_PER_WORD = 4 / 3
# The lock outlives a job (and its retries) whose worker never came back by this much,
# then frees itself.
LOCK_SLACK_S = 600


def approx_tokens(text: str) -> int:
    """About how many model tokens a text is."""
    return round(len(text.split()) * TOKENS_PER_WORD)


def finetune_job_id(user: str) -> str:
    """The one job id of a user's fine-tune (RQ ids allow no colons)."""
    return "finetune-" + hashlib.sha256(user.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def note_turn(store: Store, settings: Settings, turn: Turn) -> str | None:
    """Count a turn's tokens; queue a fine-tune at the threshold. Returns a job id if queued."""
    if turn.text.lstrip().startswith("/"):
        return None
    pending = store.add_training_tokens(turn.user, approx_tokens(turn.text))
    if pending < settings.storyloom_finetune_tokens:
        return None
    return enqueue_finetune(store.redis, store, settings, turn.user)


def enqueue_finetune(client: redis.Redis, store: Store, settings: Settings,
                     user: str, privacy: bool = False) -> str | None:
    """Queue the user's fine-tune unless one is queued or running, or (unless it retrains for
    privacy, without withheld turns) the last one started within the cooldown; its job id."""
    job_id = finetune_job_id(user)
    cooldown = store.keys.finetune_cooldown(user)
    if not privacy and client.exists(cooldown):
        logger.info("user %s: the next fine-tune waits for the cooldown", user)
        return None
    ttl = settings.storyloom_finetune_timeout * (1 + settings.storyloom_job_retries) + LOCK_SLACK_S
    if not client.set(store.keys.finetune_lock(user), job_id, nx=True, ex=ttl):
        logger.info("user %s: a fine-tune is already queued or running", user)
        return None
    hours = settings.storyloom_finetune_cooldown_hours
    if hours > 0:
        client.set(cooldown, "1", ex=max(1, round(hours * 3600)))
    queue(FINETUNE, client).enqueue(
        "worker.training.jobs.finetune_job", user, job_id=job_id,
        job_timeout=settings.storyloom_finetune_timeout, result_ttl=24 * 3600,
        retry=Retry(max=settings.storyloom_job_retries) if settings.storyloom_job_retries else None,
        failure_ttl=7 * 24 * 3600, on_failure=Callback("worker.training.jobs.finetune_failed"),
        description="fine-tune a user's adapter",
    )
    logger.info("user %s: fine-tune queued as %s", user, job_id)
    return job_id


def release(client: redis.Redis, store: Store, user: str) -> None:
    """Let the user's next fine-tune be queued."""
    client.delete(store.keys.finetune_lock(user))
