"""When generation is behind: a bounded queue per user and an honest estimate of the wait."""

from __future__ import annotations

import re

from worker.conversation.commands import CommandContext, dispatch
from worker.ops import backpressure
from worker.ops.queues import GENERATE, queue
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext


def _story(ctx: WorkerContext, user: str):  # type: ignore[no-untyped-def]
    return dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, "story", "")


def test_a_user_cannot_queue_more_than_the_limit_and_is_told_why(ctx: WorkerContext) -> None:
    ctx.settings = ctx.settings.model_copy(update={"storyloom_max_pending_stories": 2})
    first, second, third = (_story(ctx, "local:eager") for _ in range(3))
    assert first.request_id and second.request_id
    assert third.request_id is None
    assert third.text == backpressure.TOO_MANY.format(n=2)
    assert queue(GENERATE, ctx.store.redis).count == 2, "the refused request queued nothing"
    # once the queued jobs have run (here: nothing known yet, so a notice each), the
    # user may ask again
    run_generate_worker(ctx, burst=True, preload=False)
    again = _story(ctx, "local:eager")
    assert again.request_id and again.text == backpressure.WRITING


def test_a_request_behind_others_gets_its_place_and_an_estimate(ctx: WorkerContext) -> None:
    assert _story(ctx, "local:warmup").text == backpressure.WRITING
    run_generate_worker(ctx, burst=True, preload=False)  # one finished job: a mean time
    mean = backpressure.mean_job_seconds(ctx.store.redis)
    assert mean is not None and mean > 0
    replies = [_story(ctx, f"local:u{n}") for n in range(3)]
    assert replies[0].text == backpressure.WRITING
    assert "1 ahead of it" in replies[1].text
    last = replies[2].text
    assert "2 ahead of it" in last and re.search(r"about \d+ (seconds|minutes?)", last)
    ahead, eta = backpressure.wait_estimate(ctx.store.redis, replies[2].request_id or "")
    assert ahead == 2 and eta == 3 * mean  # no worker running: one at a time


def test_without_history_the_place_is_given_without_a_guess(ctx: WorkerContext) -> None:
    _story(ctx, "local:a")
    reply = _story(ctx, "local:b")
    assert reply.text == backpressure.QUEUED_NO_ESTIMATE.format(ahead=1)


def test_durations_read_as_people_say_them() -> None:
    assert backpressure.say_duration(3) == "10 seconds"
    assert backpressure.say_duration(41) == "50 seconds"
    assert backpressure.say_duration(61) == "2 minutes"
    assert backpressure.say_duration(60) == "1 minute"
    assert backpressure.say_duration(3700) == "1 hour 2 minutes"
