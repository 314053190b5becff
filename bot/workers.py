"""Entry points of the worker processes (`storyloom worker ROLE`)."""

from __future__ import annotations

import logging
import threading

from worker.connection import open_redis
from worker.runtime import WorkerContext
from worker.settings import Settings

logger = logging.getLogger(__name__)


def run_worker(settings: Settings, role: str, burst: bool = False) -> int:
    """Run one worker role until SIGTERM (or, with burst, until idle)."""
    client, embedded = open_redis(settings)
    try:
        ctx = WorkerContext.build(settings, client)
        if role == "nlu":
            from nlu.pipeline import Analyzer
            from worker.nlu_worker import NluWorker
            from worker.runner import stop_on_sigterm
            from worker.safety_step import SafetyStep

            safety = SafetyStep.from_settings(ctx.store, settings)
            nlu = NluWorker(ctx.store, Analyzer(), safety=safety)
            if threading.current_thread() is threading.main_thread():
                stop_on_sigterm(nlu.stop_event)
            nlu.run(burst=burst)
            return 0
        from worker.runner import run_generate_worker

        run_generate_worker(ctx, burst=burst)
        return 0
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()
