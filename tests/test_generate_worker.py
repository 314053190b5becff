"""Generation jobs on a real RQ worker: delivered once, even when a worker dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from tests.book_support import jpeg
from tests.conftest import ROOT, cli_env
from worker.conversation.commands import CommandContext, dispatch
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.conversation.photos import receive_photo
from worker.ops.jobs import FAILED
from worker.ops.queues import GENERATE, queue, story_job_id
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext
from worker.store.records import StoryRequest


def _told(ctx: WorkerContext, analyzer, user: str) -> None:  # type: ignore[no-untyped-def]
    for text in ("My uncle Jorge fixed boats in Faro.",
                 "In 2005 he took me sailing for the first time."):
        receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user, text=text)
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)


def _kinds(ctx: WorkerContext, user: str) -> list[str]:
    return [d.kind for _, d in ctx.store.deliveries_after(user, "local")]


def test_story_command_delivers_one_installment(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "local:eva"
    _told(ctx, analyzer, user)
    result = dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, "story", "")
    assert result.request_id
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)
    [installment] = ctx.store.installments(user)
    assert installment.text and installment.request_id == result.request_id
    assert installment.stats.new_tokens > 0
    assert _kinds(ctx, user).count("installment") == 1


def test_the_photo_told_with_a_moment_sits_beside_its_installment(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "local:ines"
    _told(ctx, analyzer, user)
    photos = {}
    for n, turn in enumerate(ctx.store.turns(user)):
        photo = receive_photo(ctx.store, ctx.settings, user=user, platform="local",
                              platform_ref=f"test:{n}", data=jpeg(), caption=turn.text,
                              turn_id=turn.turn_id).photo
        assert photo is not None
        photos[turn.turn_id] = photo.photo_id
    cat = receive_photo(ctx.store, ctx.settings, user=user, platform="local",
                        platform_ref="test:cat", data=jpeg(colour="navy"), caption="A cat.",
                        turn_id=None).photo
    assert cat is not None
    dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, "story", "")
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)
    [installment] = ctx.store.installments(user)
    retold = [photos[t] for t in installment.turn_ids if t in photos]
    assert retold, "the installment retells a moment told with a photo"
    assert set(installment.photo_ids) == set(retold[:2]), "the photos of its moments, only"
    assert cat.photo_id not in installment.photo_ids


def test_story_before_any_memory_says_what_to_do(ctx: WorkerContext, language_model) -> None:  # type: ignore[no-untyped-def]
    dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), "local:new", "story", "")
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)
    [(_, notice)] = ctx.store.deliveries_after("local:new", "local")
    assert notice.kind == "notice" and "/story" in notice.text
    assert ctx.store.installments("local:new") == []


def _kill_mid_job(ctx: WorkerContext, request: StoryRequest) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", "generate"],
                            env=cli_env(ctx.settings, STORYLOOM_MAX_NEW_TOKENS="512"), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    job_id = story_job_id(request)
    deadline = time.monotonic() + 180
    while Job.fetch(job_id, connection=ctx.store.redis,
                    serializer=JSONSerializer).get_status() != JobStatus.STARTED:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(1.0)  # well inside generate()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_worker_killed_while_generating_is_retried_and_delivers_once(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "local:fay"
    _told(ctx, analyzer, user)
    result = dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, "story", "")
    request = StoryRequest(user=user, request_id=result.request_id)
    _kill_mid_job(ctx, request)
    assert ctx.store.installments(user) == []
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)
    assert len(ctx.store.installments(user)) == 1
    assert _kinds(ctx, user).count("installment") == 1
    run_generate_worker(ctx, burst=True)  # nothing left to do, nothing sent again
    assert _kinds(ctx, user).count("installment") == 1


def test_worker_killed_with_no_retries_left_tells_the_user(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "local:gus"
    _told(ctx, analyzer, user)
    settings = ctx.settings.model_copy(update={"storyloom_job_retries": 0})
    ctx.settings = settings
    result = dispatch(CommandContext(settings, ctx.store, ctx.store.redis), user, "story", "")
    _kill_mid_job(ctx, StoryRequest(user=user, request_id=result.request_id))
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)
    deliveries = [d for _, d in ctx.store.deliveries_after(user, "local")]
    assert [d.text for d in deliveries if d.kind == "notice"] == [FAILED]
    assert ctx.store.installments(user) == []
    failed = queue(GENERATE, ctx.store.redis).failed_job_registry
    job_id = story_job_id(StoryRequest(user=user, request_id=result.request_id))
    assert job_id in failed.get_job_ids()
