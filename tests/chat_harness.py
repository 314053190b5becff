"""Helpers for the adapter tests: run an async adapter in its own thread and loop.

The adapter under test is the real one; the platform it talks to is a fake
from tests/fakes. Workers (NLU, RQ generate in burst mode) run in the test's
main thread, as RQ needs the main thread for its signal handlers.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import redis

from worker.conversation.commands import CommandContext
from worker.conversation.nlu_worker import NluWorker
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext

T = TypeVar("T")


class Runnable(Protocol):
    """An adapter: serves until its stop event is set."""

    async def run(self, stop: asyncio.Event) -> None: ...


class AdapterThread:
    """Runs adapter.run(stop) on a private event loop in a daemon thread."""

    def __init__(self, adapter: Runnable) -> None:
        self.adapter = adapter
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="adapter", daemon=True)
        self._started = threading.Event()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - surfaced by stop()
            self.error = exc
        finally:
            self._started.set()
            self.loop.close()

    async def _serve(self) -> None:
        self.stop_event = asyncio.Event()
        self._started.set()
        await self.adapter.run(self.stop_event)

    def __enter__(self) -> AdapterThread:
        self._thread.start()
        self._started.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Ask the adapter to stop and wait for it; re-raise what it died of."""
        if self._thread.is_alive() and self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the adapter did not stop"
        if self.error is not None:
            raise self.error


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, what: str = "") -> T:
    """Poll predicate() until truthy and return it (a blocking wait in the test thread)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        time.sleep(0.02)


def command_context(ctx: WorkerContext) -> CommandContext:
    """What an adapter needs from a worker context."""
    client: redis.Redis = ctx.store.redis
    return CommandContext(settings=ctx.settings, store=ctx.store, redis=client)


def run_nlu(ctx: WorkerContext, analyzer: Any) -> None:
    """Process every waiting turn with the real NLU pipeline, then return."""
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)


def run_generate(ctx: WorkerContext, language_model: Any) -> None:
    """Run every queued generate job in a real RQ worker (burst mode), then return."""
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)
