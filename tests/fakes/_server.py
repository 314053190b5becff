"""An aiohttp application served on 127.0.0.1 from its own thread, plus a recorded-call log."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")

# Telegram allows 50 MB bot uploads; aiohttp's 1 MiB default would reject real documents.
MAX_BODY_BYTES = 50 * 1024 * 1024


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly `application/json` (discord.py compares it)."""
    all_headers = {"Content-Type": "application/json"}
    all_headers.update(headers or {})
    body = json.dumps(payload, ensure_ascii=False).encode()
    return web.Response(body=body, status=status, headers=all_headers)


@dataclass(frozen=True)
class Call:
    """One request the fake answered: what was asked, what it answered, and when."""

    method: str
    params: dict[str, Any]
    status: int
    at: float
    retry_after: float | None = None
    path: str = ""
    files: dict[str, bytes] = field(default_factory=dict)


class ServerThread:
    """Runs an aiohttp app on an ephemeral loopback port in a daemon thread with its own loop.

    The fake keeps answering even when the code under test blocks its own event loop, and tests
    may drive it from a plain thread, from `asyncio.run`, or from a subprocess.
    """

    def __init__(self, app: web.Application, name: str) -> None:
        self._app = app
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._on_stop: Callable[[], Awaitable[None]] | None = None
        self.port = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The fake's event loop (valid between start and stop)."""
        if self._loop is None:
            raise RuntimeError(f"{self._name} is not running")
        return self._loop

    def start(self, on_stop: Callable[[], Awaitable[None]] | None = None) -> int:
        """Start serving and return the bound port."""
        self._on_stop = on_stop
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name=self._name, daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self._name} did not start")
        return self.port

    def _run(self, ready: threading.Event) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._serve())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    async def _serve(self) -> None:
        # handler_cancellation: a long poll whose client hung up must stop waiting, as on Telegram.
        self._runner = web.AppRunner(self._app, handler_cancellation=True, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def stop(self) -> None:
        """Stop serving, close open connections and join the thread."""
        if self._loop is None or self._thread is None:
            return
        try:
            self.run(self._shutdown(), timeout=15)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None
            self._thread = None

    async def _shutdown(self) -> None:
        if self._on_stop is not None:
            await self._on_stop()
        if self._runner is not None:
            await self._runner.cleanup()

    def in_server_thread(self) -> bool:
        """True when called from the fake's own thread."""
        return self._thread is not None and threading.current_thread() is self._thread

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the fake's loop from another thread and return its result."""
        if self.in_server_thread():
            coro.close()
            raise RuntimeError("ServerThread.run called from the server thread would deadlock")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"{self._name}: operation took longer than {timeout}s") from None

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Schedule a plain callback on the fake's loop from any thread."""
        self.loop.call_soon_threadsafe(fn, *args)


class Recorder:
    """Thread-safe state holder: a call log, a condition to wait on, and wait helpers."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._calls: list[Call] = []

    def record(self, call: Call) -> None:
        """Append a call to the log."""
        with self.lock:
            self._calls.append(call)
            self.changed()

    def changed(self) -> None:
        """Wake every waiter; call after any state mutation."""
        with self.lock:
            self._changed.notify_all()

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, optionally only those for one method or route key."""
        with self.lock:
            return [c for c in self._calls if method is None or c.method == method]

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Await until predicate() is truthy (polled) and return its value; TimeoutError if not."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.01)

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Block the calling thread until predicate() is truthy and return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout}s")
                self._changed.wait(min(remaining, 0.1))
