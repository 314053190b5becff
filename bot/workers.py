"""Entry points of the worker processes (`storyloom worker ROLE`)."""

from __future__ import annotations

import logging
import threading

from worker.ops.connection import open_redis
from worker.ops.health import Health, redis_check, serve_health
from worker.ops.metrics import register_queue_collector
from worker.ops.queues import FINETUNE, GENERATE
from worker.ops.runtime import WorkerContext
from worker.settings import Settings

logger = logging.getLogger(__name__)


def _health(settings: Settings, ctx: WorkerContext, role: str) -> Health:
    """Liveness from the worker loop; readiness from Redis (and the model, once loaded)."""
    # a generate worker's loop is busy for up to one job
    stale = {"nlu": 120.0, "finetune": settings.storyloom_finetune_timeout + 120.0,
             "reminders": settings.storyloom_reminder_tick_seconds + 120.0,
             "transcribe": settings.storyloom_transcribe_timeout + 120.0}.get(
        role, settings.storyloom_job_timeout + 120.0)
    health = Health(role=role, stale_after_s=stale, checks={"redis": redis_check(ctx.store.redis)})
    if role not in ("nlu", "reminders", "transcribe"):
        health.checks["model"] = lambda: ctx._model is not None
    return health


def run_worker(settings: Settings, role: str, burst: bool = False) -> int:
    """Run one worker role until SIGTERM (or, with burst, until idle)."""
    if role == FINETUNE:
        from worker.training.config import training_settings

        settings = training_settings(settings)
    client, embedded = open_redis(settings)
    server = None
    try:
        ctx = WorkerContext.build(settings, client)
        health = _health(settings, ctx, role)
        if settings.storyloom_metrics_port:
            from worker.conversation.nlu_worker import GROUP

            register_queue_collector(client, ctx.store.keys.turns_streams(), GROUP,
                                     [GENERATE, FINETUNE])
        server = serve_health(health, settings.storyloom_metrics_host,
                              settings.storyloom_metrics_port)
        if role == "transcribe":
            from worker.ops.runner import run_transcribe_worker

            run_transcribe_worker(ctx, burst=burst, beat=health.beat)
            return 0
        if role == "reminders":
            from worker.ops.runner import run_reminders

            run_reminders(ctx, settings, beat=health.beat, burst=burst)
            return 0
        if role == "nlu":
            from nlu.emotions import load_default, precision_of
            from nlu.pipeline import Analyzer
            from worker.conversation.nlu_worker import NluWorker
            from worker.conversation.safety_step import SafetyStep
            from worker.ops.runner import stop_on_sigterm
            from worker.training.schedule import note_turn

            # Both models load before the first turn, not while a user waits on it.
            safety = SafetyStep.from_settings(ctx.store, settings).load()
            emotions = load_default(settings.storyloom_emotion_precision)
            logger.info("nlu worker: emotion classifier %s", precision_of(emotions))
            nlu = NluWorker(ctx.store, Analyzer(emotions=emotions), safety=safety,
                            beat=health.beat,
                            lease_ms=int(settings.storyloom_nlu_lease_seconds * 1000),
                            on_applied=lambda turn: note_turn(ctx.store, settings, turn))
            health.checks["analyzer"] = lambda: True
            if threading.current_thread() is threading.main_thread():
                stop_on_sigterm(nlu.stop_event)
            nlu.run(burst=burst)
            return 0
        from worker.ops.runner import run_generate_worker

        run_generate_worker(ctx, burst=burst, beat=health.beat, role=role)
        return 0
    finally:
        if server is not None:
            server.stop()
        client.close()
        if embedded is not None:
            embedded.stop()
