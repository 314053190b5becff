"""RQ job functions. Each runs in a long-lived, non-forking worker (see runner)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from worker.ops import metrics, runtime
from worker.ops.purge import forget_this_job
from worker.profile.model import Profile
from worker.store.base import UserForgotten
from worker.store.records import Delivery, StoryRequest, utcnow
from worker.store.store import Store
from worker.story.engine import NOTHING_YET, StoryWriter, tidy

logger = logging.getLogger(__name__)

PAUSED = (
    "Your story is paused for now, so we can focus on how you are. A person can "
    "lift the pause when you're ready."
)
# without a counselor, the user lifts the pause themselves (worker.conversation.resume)
PAUSED_SELF = (
    "Your story is paused for now, so we can focus on how you are. When you feel safe, "
    "send /resume and we'll go on. /helplines shows people you can talk to, any time."
)
FAILED = (
    "I'm sorry: I couldn't write that part of your story just now. Nothing was lost; "
    "send /story to try again."
)

__all__ = ["FAILED", "NOTHING_YET", "PAUSED", "PAUSED_SELF", "generate_installment", "story_failed",
           "tidy"]


def _wait_for_nlu(request: StoryRequest, poll_s: float = 0.1) -> Profile:
    """The profile once the turns said before /story are understood (or the wait ran out)."""
    ctx = runtime.current()
    deadline = time.monotonic() + ctx.settings.storyloom_nlu_wait_seconds
    turn = request.after_turn
    while turn and not ctx.store.is_applied(request.user, turn):
        if time.monotonic() > deadline:
            logger.warning("user %s: writing before NLU caught up", request.user)
            break
        time.sleep(poll_s)
    return ctx.store.get_profile(request.user)


def _request(store: Store, args: Sequence[str]) -> StoryRequest | None:
    """The job's story request: (user, request id), or a payload queued before ids only."""
    if len(args) == 1:
        return StoryRequest.model_validate_json(args[0])
    return store.get_story_request(args[0], args[1])


def generate_installment(*args: str) -> str | None:
    """Write, store and deliver one installment (args: user, request id); returns its id."""
    ctx = runtime.current()
    started = utcnow()
    request = _request(ctx.store, args)
    if request is None:  # its user was forgotten (or it expired): nothing to write
        forget_this_job()
        return None
    try:
        written = _write(ctx, request)
    except UserForgotten:
        written = None
    if ctx.store.forgotten_since(request.user, started):
        logger.info("user %s was forgotten while their installment was written", request.user)
        ctx.store.erase_user(request.user)  # anything written just before the key went
        forget_this_job()
        return None
    ctx.store.drop_story_request(request.user, request.request_id)
    return written


def _write(ctx: runtime.WorkerContext, request: StoryRequest) -> str | None:
    done = ctx.store.request_done(request.request_id)
    if done:
        return done
    profile = _wait_for_nlu(request)
    if ctx.store.get_safety(request.user).paused:
        link = ctx.store.client_link(request.user)
        text = PAUSED if link is not None and link.status == "active" else PAUSED_SELF
        ctx.store.push_delivery(Delivery(user=request.user, kind="notice", text=text,
                                         in_reply_to=request.request_id))
        return None
    # this job's drafts may share a batch with other slots' (worker.llm.batcher)
    return StoryWriter(ctx.settings, ctx.store, ctx.model_for(request.user)).write(request, profile)


def story_failed(job: Any, connection: Any, exc_type: Any, exc: Any, tb: Any) -> None:
    """Tell the user when their installment could not be written (after the last retry)."""
    metrics.JOBS.labels(queue="generate",
                        outcome="retried" if job.retries_left else "failed").inc()
    if job.retries_left:
        logger.warning("job %s failed (%s); %s retries left", job.id, exc_type.__name__,
                       job.retries_left)
        return
    ctx = runtime.current()
    request = _request(ctx.store, job.args)
    if request is None:
        return
    logger.error("job %s failed for user %s: %s", job.id, request.user, exc_type.__name__)
    if ctx.store.request_done(request.request_id) is None:
        try:
            ctx.store.end_progress(request.user, request.request_id)
            ctx.store.push_delivery(Delivery(user=request.user, kind="notice", text=FAILED,
                                             in_reply_to=request.request_id))
        except UserForgotten:
            logger.info("user %s was forgotten: no notice", request.user)
