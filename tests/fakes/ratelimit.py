"""Flood control shared by the fakes: scripted 429s and sliding-window limits."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limited:
    """A decision to refuse a request: how long the client must wait, and the limit's scope."""

    retry_after: float
    is_global: bool = False
    bucket: str = ""
    limit: int = 1
    scripted: bool = False


class SlidingWindow:
    """At most `limit` admitted events in any `per`-second window."""

    def __init__(self, limit: int, per: float) -> None:
        if limit < 1 or per <= 0:
            raise ValueError("limit must be >= 1 and per > 0")
        self.limit = limit
        self.per = per
        self._stamps: deque[float] = deque()

    def _expire(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.per:
            self._stamps.popleft()

    def wait_time(self, now: float) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        self._expire(now)
        if len(self._stamps) < self.limit:
            return 0.0
        return self._stamps[0] + self.per - now

    def add(self, now: float) -> None:
        """Admit one event."""
        self._expire(now)
        self._stamps.append(now)

    def remaining(self, now: float) -> int:
        """Events still admissible in the current window."""
        self._expire(now)
        return max(0, self.limit - len(self._stamps))

    def reset_after(self, now: float) -> float:
        """Seconds until the oldest admitted event leaves the window."""
        self._expire(now)
        return self._stamps[0] + self.per - now if self._stamps else self.per


@dataclass
class _Script:
    count: int
    retry_after: float
    is_global: bool


class FloodGate:
    """Decides, per request, whether the fake answers 429 instead of serving it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, _Script] = {}
        self._keyed: dict[str, tuple[int, float, float | None]] = {}
        self._windows: dict[str, SlidingWindow] = {}
        self._global: SlidingWindow | None = None
        self._global_retry_after: float | None = None

    def fail_next(self, key: str, count: int, retry_after: float, is_global: bool = False) -> None:
        """Answer the next `count` requests for `key` with 429 and this retry_after."""
        with self._lock:
            self._scripts[key] = _Script(count, retry_after, is_global)

    def limit_per_key(
        self, key: str, limit: int, per: float, retry_after: float | None = None
    ) -> None:
        """Limit each scope of `key` (e.g. each chat) to `limit` requests per `per` seconds."""
        with self._lock:
            self._keyed[key] = (limit, per, retry_after)
            self._windows = {k: w for k, w in self._windows.items() if not k.startswith(key + "|")}

    def limit_global(self, limit: int, per: float, retry_after: float | None = None) -> None:
        """Limit all limited requests together to `limit` per `per` seconds."""
        with self._lock:
            self._global = SlidingWindow(limit, per)
            self._global_retry_after = retry_after

    def clear(self) -> None:
        """Remove every script and limit."""
        with self._lock:
            self._scripts.clear()
            self._keyed.clear()
            self._windows.clear()
            self._global = None
            self._global_retry_after = None

    def check(
        self, key: str, scope: str, now: float, window_key: str | None = None
    ) -> Limited | None:
        """Refuse (return Limited) or admit (return None and count it) one request.

        `key` selects scripted failures; `window_key` (default `key`) selects the per-scope
        window, so several methods can share one limit (Telegram counts all sends per chat).
        """
        with self._lock:
            script = self._scripts.get(key)
            if script is not None and script.count > 0:
                script.count -= 1
                return Limited(script.retry_after, script.is_global, bucket=key, scripted=True)
            key = window_key or key
            window = self._window(key, scope)
            waits: list[Limited] = []
            if window is not None and (wait := window.wait_time(now)) > 0:
                fixed = self._keyed[key][2]
                waits.append(
                    Limited(fixed or wait, False, bucket=f"{key}|{scope}", limit=window.limit)
                )
            if self._global is not None and (wait := self._global.wait_time(now)) > 0:
                fixed = self._global_retry_after
                waits.append(
                    Limited(fixed or wait, True, bucket="global", limit=self._global.limit)
                )
            if waits:
                return max(waits, key=lambda limited: limited.retry_after)
            if window is not None:
                window.add(now)
            if self._global is not None:
                self._global.add(now)
            return None

    def window_state(self, key: str, scope: str, now: float) -> tuple[int, int, float] | None:
        """(limit, remaining, reset_after) of a per-key window, for rate-limit headers."""
        with self._lock:
            window = self._window(key, scope)
            if window is None:
                return None
            return window.limit, window.remaining(now), window.reset_after(now)

    def _window(self, key: str, scope: str) -> SlidingWindow | None:
        if key not in self._keyed:
            return None
        name = f"{key}|{scope}"
        if name not in self._windows:
            limit, per, _ = self._keyed[key]
            self._windows[name] = SlidingWindow(limit, per)
        return self._windows[name]
