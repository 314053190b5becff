"""How fast one user may write: a token bucket per user, at the chat adapters.

Each user has `burst` tokens, refilled at `per_minute` a minute; a message (or a button
press) takes one. A message without a token is not handled and not kept: the first one
of a run is answered (once, so a flood does not make us flood back), the rest are quiet.
Buckets live in the adapter's memory: a restart forgives everyone, which is fine for a
limit meant to stop floods, not to meter use.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from worker.settings import Settings

TOO_FAST = ("You're writing faster than I can keep up with, so I didn't keep that message. "
            "Please wait a minute, then send it again.")
Verdict = Literal["ok", "tell", "quiet"]
MAX_USERS = 100_000  # buckets kept before full ones are dropped (a full bucket is the default)


class MessageLimit:
    """Token buckets per user: `burst` at once, then `per_minute` on average."""

    def __init__(self, per_minute: float, burst: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float, bool]] = {}  # tokens, at, told
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> MessageLimit:
        return cls(settings.storyloom_user_messages_per_minute,
                   settings.storyloom_user_message_burst)

    def check(self, user: str) -> Verdict:
        """Take a token for one message: 'ok', or refused ('tell' the user once, then 'quiet')."""
        now = self.clock()
        with self._lock:
            tokens, at, told = self._buckets.get(user, (self.burst, now, False))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[user] = (tokens - 1.0, now, False)
                verdict: Verdict = "ok"
            else:
                self._buckets[user] = (tokens, now, True)
                verdict = "quiet" if told else "tell"
            if len(self._buckets) > MAX_USERS:
                self._prune(now)
            return verdict

    def _prune(self, now: float) -> None:
        self._buckets = {u: b for u, b in self._buckets.items()
                         if b[0] + (now - b[1]) * self.rate < self.burst}
