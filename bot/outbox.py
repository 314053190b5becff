"""Sending deliveries to a platform: in order per user, once, paced, across restarts.

Every adapter runs one :class:`Outbox`. It reads the delivery streams of the
users that have something pending (and, at start and now and then, of every
user of its platforms, so nothing queued while it was down is lost), sends
each delivery through the adapter's one delivery function, and moves the
user's cursor only after the platform accepted it. A restart therefore
resends nothing that was acknowledged and loses nothing that was not.

Redis going away stops nothing for good: the loop waits with backoff and
carries on (a sweep of every user first, since pushes may have been missed),
a sent delivery's cursor is moved as soon as Redis answers again (so it is not
sent twice), and :meth:`Outbox.live` says whether the loop is still turning,
for the process's liveness probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Literal

import redis

from worker.store.base import platform_of
from worker.store.records import Delivery
from worker.store.store import Store

logger = logging.getLogger(__name__)

SendResult = Literal["sent", "skip", "retry"]
Send = Callable[[str, Delivery], Awaitable[SendResult]]
Clock = Callable[[], float]
# Backoff while Redis is unreachable: first wait, and the longest (well under the liveness
# window, so a loop waiting out an outage still counts as turning).
BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 10.0


class Pacer:
    """Spaces sends: `per_chat_s` apart within one chat, at most `per_second` overall.

    The platform counts a message when it arrives, somewhere between our send and
    its answer. So a send counts against our window from the moment it is claimed
    until one window after its answer came back: then no window the platform can
    draw holds more than `per_second` of ours, however the network delays them.
    Use ``async with pacer.sending(chat):`` around the call; ``slot`` claims a send
    that completes at once.
    """

    def __init__(self, per_chat_s: float, per_second: int, clock: Clock = time.monotonic):
        self.per_chat_s = per_chat_s
        self.per_second = per_second
        self.clock = clock
        self._next: dict[str, float] = {}
        self._expiries: deque[float] = deque()  # when finished sends leave the window
        self._in_flight = 0
        self._held_until = 0.0

    def _wait(self, chat: str, now: float) -> float:
        while self._expiries and self._expiries[0] <= now:
            self._expiries.popleft()
        overall = 0.0
        if self._in_flight + len(self._expiries) >= self.per_second:
            # a finished send leaves at its expiry; else wait for one in flight to finish
            overall = self._expiries[0] - now if self._expiries else 0.01
        return max(self._held_until - now, self._next.get(chat, 0.0) - now, overall)

    async def _claim(self, chat: str) -> None:
        while (wait := self._wait(chat, self.clock())) > 0:
            await asyncio.sleep(wait)
        now = self.clock()
        self._next[chat] = now + self.per_chat_s
        self._in_flight += 1
        if len(self._next) > 10_000:
            self._next = {c: t for c, t in self._next.items() if t > now}

    def _finish(self, chat: str) -> None:
        now = self.clock()
        self._in_flight -= 1
        self._expiries.append(now + 1.0)
        self._next[chat] = max(self._next.get(chat, 0.0), now + self.per_chat_s)

    @contextlib.asynccontextmanager
    async def sending(self, chat: str) -> AsyncIterator[None]:
        """Wait until one more message may go to this chat; hold the slot while it is sent."""
        await self._claim(chat)
        try:
            yield
        finally:
            self._finish(chat)

    async def slot(self, chat: str) -> None:
        """Wait until one more message may go to this chat, and claim it (sent at once)."""
        async with self.sending(chat):
            pass

    def hold(self, seconds: float, chat: str | None = None) -> None:
        """After a flood error: nothing more to that chat (or anywhere) for `seconds`."""
        until = self.clock() + seconds
        if chat is None:
            self._held_until = max(self._held_until, until)
        else:
            self._next[chat] = max(self._next.get(chat, 0.0), until)


class Typing:
    """Keeps a 'typing…' indicator up in a chat while its request is being written."""

    def __init__(self, action: Callable[[str], Awaitable[None]], every_s: float,
                 max_s: float = 300.0, clock: Clock = time.monotonic) -> None:
        self.action = action
        self.every_s = every_s
        self.max_s = max_s
        self.clock = clock
        self._requests: dict[str, tuple[str, float]] = {}
        self._due: dict[str, float] = {}

    def start(self, chat: str, request_id: str) -> None:
        """Show typing in chat until the delivery answering request_id is sent."""
        self._requests[request_id] = (chat, self.clock() + self.max_s)
        self._due[chat] = self.clock()

    def stop(self, request_id: str | None) -> None:
        """The answer to request_id went out."""
        if request_id is not None:
            self._requests.pop(request_id, None)

    def active(self, chat: str) -> bool:
        """True while some request in chat is still being written."""
        return any(c == chat for c, _ in self._requests.values())

    async def tick(self) -> None:
        """Refresh every indicator that is due."""
        now = self.clock()
        self._requests = {r: (c, end) for r, (c, end) in self._requests.items() if end > now}
        chats = {c for c, _ in self._requests.values()}
        for chat in chats:
            if self._due.get(chat, 0.0) <= now:
                self._due[chat] = now + self.every_s
                try:
                    await self.action(chat)
                except Exception as exc:  # noqa: BLE001 - a lost indicator must not stop delivery
                    logger.info("typing indicator failed: %s", type(exc).__name__)
        self._due = {c: t for c, t in self._due.items() if c in chats}

    async def run(self, stop: asyncio.Event, period_s: float = 0.25) -> None:
        """Refresh indicators until stopped."""
        while not stop.is_set():
            await self.tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), period_s)


class Outbox:
    """Delivers pending deliveries of one adapter's platforms (e.g. telegram, telegram-group)."""

    def __init__(self, store: Store, platforms: tuple[str, ...], cursor: str, send: Send,
                 concurrency: int = 8, retry_s: float = 5.0, sweep_s: float = 300.0) -> None:
        self.store = store
        self.platforms = platforms
        self.cursor = cursor
        self.send = send
        self.retry_s = retry_s
        self.sweep_s = sweep_s
        self.sent = 0
        self._sem = asyncio.Semaphore(concurrency)
        self._active: set[str] = set()
        self._again: set[str] = set()
        self._retry_at: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._turned: float | None = None  # when the loop last went round (monotonic)
        self._stopping = False
        self.started = False  # run() has begun (before that, the adapter is connecting)

    def live(self, stale_s: float = 60.0) -> bool:
        """True while the delivery loop runs and went round within stale_s seconds."""
        return self._turned is not None and time.monotonic() - self._turned < stale_s

    def _known_users(self) -> list[str]:
        users = self.store.users() + self.store.community_stories()
        return [u for u in users if platform_of(u) in self.platforms]

    def _take(self) -> list[str]:
        return [u for p in self.platforms for u in self.store.take_pending_users(p)]

    def schedule(self, user: str) -> None:
        """Send the user's pending deliveries soon (once, in order)."""
        if user in self._active:
            self._again.add(user)
            return
        self._active.add(user)
        task = asyncio.create_task(self._drain(user))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, user: str) -> None:
        try:
            async with self._sem:
                while True:
                    self._again.discard(user)
                    entries = await asyncio.to_thread(self.store.deliveries_after, user,
                                                      self.cursor)
                    for entry_id, delivery in entries:
                        if await self._send_one(user, delivery) == "retry":
                            self._retry_at[user] = time.monotonic() + self.retry_s
                            return
                        await self._mark(user, entry_id)
                        self.sent += 1
                    if not entries or user not in self._again:
                        return
        except redis.RedisError as exc:
            logger.warning("deliveries to %s not read (%s); will retry", user,
                           type(exc).__name__)
            self._retry_at[user] = time.monotonic() + self.retry_s
        finally:
            self._active.discard(user)

    async def _mark(self, user: str, entry_id: str) -> None:
        """Move the cursor past a sent delivery, waiting out Redis: it must not be sent again."""
        wait = BACKOFF_FIRST_S
        while True:
            try:
                await asyncio.to_thread(self.store.mark_delivered, user, self.cursor, entry_id)
                return
            except redis.RedisError as exc:
                if self._stopping:
                    raise
                logger.warning("a sent delivery's cursor not saved (%s); retrying in %.1fs",
                               type(exc).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, BACKOFF_MAX_S)

    async def _send_one(self, user: str, delivery: Delivery) -> SendResult:
        try:
            return await self.send(user, delivery)
        except Exception as exc:  # noqa: BLE001 - one failing delivery never stops the loop
            logger.warning("delivery %s to %s failed (%s); will retry", delivery.delivery_id,
                           user, type(exc).__name__)
            return "retry"

    def _due_retries(self) -> list[str]:
        now = time.monotonic()
        due = [u for u, at in self._retry_at.items() if at <= now]
        for user in due:
            del self._retry_at[user]
        return due

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until stopped: everything left over first, then whatever is pushed.

        A Redis error never ends the loop: it waits (with backoff) and sweeps every user
        again once Redis answers.
        """
        next_sweep = 0.0
        wait = BACKOFF_FIRST_S
        self._stopping, self.started = False, True
        while not stop.is_set():
            self._turned = time.monotonic()
            try:
                next_sweep = await self._round(next_sweep)
                wait = BACKOFF_FIRST_S
            except redis.RedisError as exc:
                logger.warning("delivery loop: Redis unavailable (%s); retrying in %.1fs",
                               type(exc).__name__, wait)
                next_sweep = 0.0  # pushes made meanwhile may be lost: look at everyone
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                wait = min(wait * 2, BACKOFF_MAX_S)
        self._stopping = True
        await self.drain_tasks()
        self._turned = None

    async def _round(self, next_sweep: float) -> float:
        """One turn of the loop: schedule whoever has something pending; the next sweep time."""
        if time.monotonic() >= next_sweep:
            users = await asyncio.to_thread(self._known_users)
            next_sweep = time.monotonic() + self.sweep_s
        else:
            users = await asyncio.to_thread(self._take)
        for user in [*users, *self._due_retries()]:
            self.schedule(user)
        if not users:
            await asyncio.to_thread(self.store.wait_for_deliveries, self.platforms[0], 0.5)
        return next_sweep

    async def drain_tasks(self, timeout_s: float = 10.0) -> None:
        """Let sends already started finish (their cursors move), up to a timeout."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)
