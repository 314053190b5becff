"""Long-lived worker processes: the NLU consumer and the RQ generate worker.

Generation runs in RQ's SimpleWorker: no fork per job. After torch has run
threads in a parent a forked child can deadlock, CUDA cannot start in a fork,
and the model must stay loaded between jobs. A generate worker runs several job
slots (``STORYLOOM_GENERATE_SLOTS``): the main thread's worker and one more per
extra slot in a thread, all in one process around one model, so that their drafts
share batches (worker.llm.batcher).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis
from rq import SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer
from rq.timeouts import TimerDeathPenalty
from rq.worker import Worker

from worker.ops import runtime
from worker.ops.procs import process_gone, process_name
from worker.ops.queues import FINETUNE, GENERATE, queue
from worker.ops.runtime import WorkerContext

logger = logging.getLogger(__name__)


def worker_gone(name: str | None, live: set[str]) -> bool:
    """True when the worker that started a job no longer exists."""
    if not name:
        return True
    if name not in live:
        return True
    return process_gone(name.rsplit(".", 1)[0])


def recover_abandoned(client: redis.Redis, names: Sequence[str]) -> int:
    """Retry (or fail, telling the user) jobs whose worker died mid-job."""
    live = {w.name for w in Worker.all(connection=client)}
    recovered = 0
    for name in names:
        q = queue(name, client)
        registry = StartedJobRegistry(queue=q)
        for job_id in registry.get_job_ids(cleanup=False):
            job = Job.fetch(job_id, connection=client, serializer=JSONSerializer)
            if not worker_gone(job.worker_name, live):
                continue
            logger.warning("job %s lost its worker %s; recovering it", job.id, job.worker_name)
            retry = bool(job.retries_left)
            with client.pipeline() as pipe:
                registry.remove_executions(job, pipeline=pipe)
                if retry:
                    job.retry(q, pipe)
                else:
                    job.set_status(JobStatus.FAILED, pipeline=pipe)
                    # rq's own path for abandoned jobs (StartedJobRegistry.cleanup)
                    job._handle_failure("worker lost mid-job", pipe, worker_name="")
                pipe.execute()
            if not retry:
                job.execute_failure_callback(q.death_penalty_class, RuntimeError,
                                             RuntimeError("worker lost"), None)
            recovered += 1
    return recovered


class StoryWorker(SimpleWorker):
    """A SimpleWorker named host.pid.role, so a dead one can be recognised.

    SIGTERM is RQ's warm shutdown: the job in hand is finished, then the
    worker exits; a second SIGTERM stops at once and the job is retried by the
    next worker (see recover_abandoned).
    """

    beat: Callable[[], None] | None = None
    slots: Sequence[SlotWorker] = ()
    cold = False  # a cold shutdown was asked for (RQ fails the job in hand; it is retried)

    def request_force_stop(self, signum: int, frame: Any) -> None:
        try:
            super().request_force_stop(signum, frame)
        except SystemExit:  # (a repeat within a second is ignored and raises nothing)
            self.cold = True
            raise

    def handle_warm_shutdown_request(self) -> None:
        super().handle_warm_shutdown_request()
        for slot in self.slots:  # each finishes the job in hand and takes no other
            slot._stop_requested = True

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        super().heartbeat(timeout, pipeline)
        if self.beat is not None:
            self.beat()

    def clean_registries(self) -> None:
        super().clean_registries()
        recover_abandoned(self.connection, self.queue_names())


# how long an idle slot waits for a job before it looks again whether it should stop
SLOT_POLL_S = 2


class SlotWorker(StoryWorker):
    """An extra job slot, run in a thread: signals reach the main thread's worker only,
    and a job's timeout is a timer (SIGALRM cannot target a thread)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass

    def dequeue_job_and_maintain_ttl(self, timeout: int | None,
                                     max_idle_time: int | None = None) -> Any:
        """Wait for a job in short rounds, so that a stop request ends an idle slot soon."""
        if timeout is None:  # burst: no waiting at all
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        while not self._stop_requested:
            found = super().dequeue_job_and_maintain_ttl(SLOT_POLL_S, SLOT_POLL_S)
            if found is None:
                continue
            if not self._stop_requested:
                return found
            put_back(self.connection, *found)  # taken as the worker stops: the next one's
        return None


def put_back(client: redis.Redis, job: Job, q: Any) -> None:
    """Return a job just dequeued (still in RQ's intermediate queue) to the head of its queue."""
    from rq.intermediate_queue import IntermediateQueue

    with client.pipeline() as pipe:
        pipe.lrem(IntermediateQueue(q.key, client).key, 1, job.id)
        q.push_job_id(job.id, pipeline=pipe, at_front=True)
        pipe.execute()


def watch_dropped_adapters(ctx: WorkerContext, stop: threading.Event,
                           block_ms: int = 2000) -> None:
    """Unload forgotten users' adapters as /forget announces them (a generate worker's
    thread): from this process's model, and from the vLLM server it writes through."""
    import httpx

    cursor = "0-0"  # from the start: a vLLM server may hold what an earlier worker loaded
    while not stop.is_set():
        try:
            cursor, dropped = ctx.store.dropped_adapters(cursor, block_ms)
            if dropped:
                ctx.drop_adapters(dropped)
        except (redis.RedisError, httpx.HTTPError, RuntimeError) as exc:  # try again soon
            logger.warning("unloading forgotten adapters failed: %s", type(exc).__name__)
            stop.wait(1.0)


def run_generate_worker(ctx: WorkerContext, burst: bool = False, preload: bool = True,
                        beat: Callable[[], None] | None = None, role: str = GENERATE) -> bool:
    """Serve the generate (or finetune) queue with the model held in this process."""
    assert role in (GENERATE, FINETUNE)
    runtime.install(ctx)
    client = ctx.store.redis
    if preload:
        if role == GENERATE and ctx.settings.storyloom_backend == "vllm":
            ctx.remote()  # the weights are on the server; only the tokenizer is here
        else:
            ctx.model()
        if role == GENERATE:  # the story's scorers, before slots race to load them
            from worker.story.engine import emotion_classifier, spacy_pipeline

            emotion_classifier(ctx.settings.storyloom_emotion_precision)
            spacy_pipeline()
    recover_abandoned(client, [role])
    name = f"{process_name()}.{role}"
    count = ctx.settings.storyloom_generate_slots if role == GENERATE else 1
    worker = StoryWorker([queue(role, client)], connection=client, name=name,
                         serializer=JSONSerializer, maintenance_interval=30)
    worker.slots = [SlotWorker([queue(role, client)], connection=client, name=f"{name}{i}",
                               serializer=JSONSerializer, maintenance_interval=30)
                    for i in range(2, count + 1)]
    level = logging.getLevelName(logging.getLogger().level)
    results: list[bool] = []
    finished: list[threading.Event] = []
    janitor = threading.Event()
    if role == GENERATE and not burst:
        threading.Thread(target=watch_dropped_adapters, args=(ctx, janitor),
                         name="storyloom-dropped-adapters", daemon=True).start()
    for slot in (worker, *worker.slots):
        slot.beat = beat
    for slot in worker.slots:
        done = threading.Event()
        threading.Thread(target=_run_slot, args=(slot, burst, level, results, done),
                         name=slot.name, daemon=True).start()
        finished.append(done)
    try:
        results.append(worker.work(burst=burst, logging_level=level, with_scheduler=False))
        for slot in worker.slots:
            slot._stop_requested = True
        # warm: a busy slot finishes its job, an idle one stops within SLOT_POLL_S. (Polled,
        # not Thread.join: a join a signal interrupts marks a live thread as finished.)
        while not worker.cold and not all(done.is_set() for done in finished):
            time.sleep(0.2)
    except SystemExit:  # a second SIGTERM, while the main thread's worker was idle
        worker.cold = True
    if worker.cold:
        # stop at once: the model thread stops at the next token and the slots' jobs fail
        # there (BatcherClosed) and are retried, as the main thread's job is
        for slot in worker.slots:
            slot._stop_requested = True
        ctx.close()
        deadline = time.monotonic() + 60
        while not all(done.is_set() for done in finished) and time.monotonic() < deadline:
            time.sleep(0.2)
        janitor.set()
        raise SystemExit()
    janitor.set()
    ctx.close()
    return any(results)


def _run_slot(slot: SlotWorker, burst: bool, level: str, results: list[bool],
              done: threading.Event) -> None:
    """A job slot's thread: its RQ worker's loop, then a sign that it ended."""
    try:
        results.append(slot.work(burst=burst, logging_level=level))
    finally:
        done.set()


def stop_on_sigterm(stop: object) -> None:
    """Let SIGTERM end a loop by setting its stop event (graceful shutdown)."""
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # type: ignore[attr-defined]


def run_reminders(ctx: WorkerContext, settings: Any, beat: Callable[[], None] | None = None,
                  burst: bool = False) -> None:
    """The reminder scheduler's loop (any number may run; each slot is sent once)."""
    from worker.conversation.reminders.ticker import ReminderTicker

    ticker = ReminderTicker(ctx.store, settings)
    if burst:
        ticker.tick()
        return
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        stop_on_sigterm(stop)
    while not stop.is_set():
        ticker.tick()
        if beat is not None:
            beat()
        stop.wait(ticker.every_s)


def run_transcribe_worker(ctx: WorkerContext, burst: bool = False,
                          beat: Callable[[], None] | None = None) -> bool:
    """Serve the transcribe queue (the Whisper model loads at the first voice note)."""
    from worker.ops.queues import TRANSCRIBE

    runtime.install(ctx)
    client = ctx.store.redis
    recover_abandoned(client, [TRANSCRIBE])
    worker = StoryWorker([queue(TRANSCRIBE, client)], connection=client,
                         name=f"{process_name()}.{TRANSCRIBE}", serializer=JSONSerializer,
                         maintenance_interval=30)
    worker.beat = beat
    level = logging.getLevelName(logging.getLogger().level)
    return bool(worker.work(burst=burst, logging_level=level, with_scheduler=False))
