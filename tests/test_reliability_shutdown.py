"""SIGTERM to a generate worker: it finishes the installment in hand, or requeues it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from rq import Worker
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from tests.conftest import ROOT, cli_env
from worker.conversation.commands import CommandContext, dispatch
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.ops.queues import GENERATE, queue, story_job_id
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext
from worker.store.records import StoryRequest


def _request_story(ctx: WorkerContext, analyzer, user: str) -> str:  # type: ignore[no-untyped-def]
    for text in ("My aunt Rosa kept bees in Evora.", "In 1987 she let me taste the honey."):
        receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user,
                     text=text)
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)
    result = dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, "story", "")
    assert result.request_id
    return story_job_id(StoryRequest(user=user, request_id=result.request_id))


def _start_and_wait_busy(ctx: WorkerContext, job_id: str, tokens: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", "generate"],
                            env=cli_env(ctx.settings, STORYLOOM_MAX_NEW_TOKENS=tokens),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while Job.fetch(job_id, connection=ctx.store.redis,
                    serializer=JSONSerializer).get_status() != JobStatus.STARTED:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    return proc


def _installments(ctx: WorkerContext, user: str) -> list[str]:
    return [d.kind for _, d in ctx.store.deliveries_after(user, "local") if d.kind != "reply"]


def test_sigterm_mid_job_finishes_the_installment_then_exits(
    ctx: WorkerContext, analyzer  # type: ignore[no-untyped-def]
) -> None:
    user = "local:warm"
    job_id = _request_story(ctx, analyzer, user)
    proc = _start_and_wait_busy(ctx, job_id, "32")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=300) == 0
    job = Job.fetch(job_id, connection=ctx.store.redis, serializer=JSONSerializer)
    assert job.get_status() == JobStatus.FINISHED
    assert _installments(ctx, user) == ["installment"]
    assert Worker.all(connection=ctx.store.redis) == [], "the worker deregistered"


def test_second_sigterm_requeues_the_job_and_the_next_worker_delivers_once(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "local:cold"
    job_id = _request_story(ctx, analyzer, user)
    proc = _start_and_wait_busy(ctx, job_id, "512")
    proc.send_signal(signal.SIGTERM)
    time.sleep(1.5)  # RQ ignores a second signal within one second of the first
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 0
    assert _installments(ctx, user) == []
    assert job_id in queue(GENERATE, ctx.store.redis).get_job_ids(), "requeued"
    ctx._model = language_model
    ctx.settings = ctx.settings.model_copy(update={"storyloom_max_new_tokens": 16})
    run_generate_worker(ctx, burst=True)
    assert _installments(ctx, user) == ["installment"]


def test_second_sigterm_with_both_job_slots_busy_requeues_both_jobs(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    users = ["local:cold1", "local:cold2"]
    jobs = [_request_story(ctx, analyzer, user) for user in users]
    proc = _start_and_wait_busy(ctx, jobs[0], "512")  # two slots (the default): both take one
    deadline = time.monotonic() + 120
    while not all(Job.fetch(j, connection=ctx.store.redis, serializer=JSONSerializer)
                  .get_status() == JobStatus.STARTED for j in jobs):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) == 0
    assert Worker.all(connection=ctx.store.redis) == [], "every slot deregistered"
    assert sorted(queue(GENERATE, ctx.store.redis).get_job_ids()) == sorted(jobs), "requeued"
    ctx._model = language_model
    ctx.settings = ctx.settings.model_copy(update={"storyloom_max_new_tokens": 16})
    run_generate_worker(ctx, burst=True)
    assert [_installments(ctx, user) for user in users] == [["installment"], ["installment"]]
