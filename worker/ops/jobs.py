"""RQ job functions. Each runs in a long-lived, non-forking worker (see runner)."""

from __future__ import annotations

import logging
import time
from typing import Any

from worker.ops import metrics, runtime
from worker.profile.model import Profile
from worker.store.records import Delivery, StoryRequest
from worker.story.engine import NOTHING_YET, StoryWriter, tidy

logger = logging.getLogger(__name__)

PAUSED = (
    "Your story is paused for now, so we can focus on how you are. A person can "
    "lift the pause when you're ready."
)
FAILED = (
    "I'm sorry: I couldn't write that part of your story just now. Nothing was lost; "
    "send /story to try again."
)

__all__ = ["FAILED", "NOTHING_YET", "PAUSED", "generate_installment", "story_failed", "tidy"]


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


def generate_installment(request_json: str) -> str | None:
    """Write, store and deliver one installment; returns its id."""
    ctx = runtime.current()
    request = StoryRequest.model_validate_json(request_json)
    done = ctx.store.request_done(request.request_id)
    if done:
        return done
    profile = _wait_for_nlu(request)
    if ctx.store.get_safety(request.user).paused:
        ctx.store.push_delivery(Delivery(user=request.user, kind="notice", text=PAUSED,
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
    request = StoryRequest.model_validate_json(job.args[0])
    ctx = runtime.current()
    logger.error("job %s failed for user %s: %s", job.id, request.user, exc_type.__name__)
    if ctx.store.request_done(request.request_id) is None:
        ctx.store.end_progress(request.user, request.request_id)
        ctx.store.push_delivery(Delivery(user=request.user, kind="notice", text=FAILED,
                                         in_reply_to=request.request_id))
