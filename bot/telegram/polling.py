"""Long polling that confirms an update only once storyloom has taken it.

Telegram keeps an update (for a day) until a getUpdates call's offset passes it. PTB's
updater moves the offset as soon as it has fetched a batch, so an update that could not
be stored (Redis away) was gone. Here the offset passes an update only after ``take``
returned True for it: an update not taken is fetched again after a pause, and nothing
the user said is lost. Chats are handled concurrently, each chat's updates in order;
updates of a batch taken while an earlier one failed are remembered, not handled twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

logger = logging.getLogger(__name__)

Take = Callable[[Update], Awaitable[bool]]
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 15.0
REMEMBERED = 10_000  # ids of updates taken ahead of one not taken


class Poller:
    """getUpdates in a loop; the offset moves past an update only once it was taken."""

    def __init__(self, bot: Bot, take: Take, timeout: int, allowed: list[str],
                 concurrency: int = 32) -> None:
        self.bot, self.take, self.timeout, self.allowed = bot, take, timeout, allowed
        self._sem = asyncio.Semaphore(concurrency)
        self._taken: OrderedDict[int, None] = OrderedDict()

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until stop is set."""
        offset: int | None = None
        wait = BACKOFF_FIRST_S
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=self.timeout,
                                                     allowed_updates=self.allowed)
            except RetryAfter as exc:
                await self._pause(stop, float(exc.retry_after if isinstance(
                    exc.retry_after, int | float) else exc.retry_after.total_seconds()))
                continue
            except (NetworkError, Conflict, TelegramError) as exc:
                logger.warning("getUpdates failed (%s); retrying in %.1fs",
                               type(exc).__name__, wait)
                await self._pause(stop, wait)
                wait = min(wait * 2, BACKOFF_MAX_S)
                continue
            if not updates:
                wait = BACKOFF_FIRST_S
                continue
            first_left = await self._batch(updates)
            if first_left is None:
                offset = updates[-1].update_id + 1
                wait = BACKOFF_FIRST_S
            else:  # fetch it (and what followed it) again, after a pause
                offset = first_left
                await self._pause(stop, wait)
                wait = min(wait * 2, BACKOFF_MAX_S)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            return

    async def _batch(self, updates: Sequence[Update]) -> int | None:
        """Take a batch; the id of the first update not taken (None: all were)."""
        chats: dict[int | None, list[Update]] = {}
        for update in updates:
            chat = update.effective_chat.id if update.effective_chat is not None else None
            chats.setdefault(chat, []).append(update)
        left = await asyncio.gather(*(self._chat(batch) for batch in chats.values()))
        failed = [u for u in left if u is not None]
        return min(failed) if failed else None

    async def _chat(self, updates: list[Update]) -> int | None:
        """One chat's updates in order; stops at the first not taken (its id)."""
        for update in updates:
            if update.update_id in self._taken:
                continue
            async with self._sem:
                taken = await self.take(update)
            if not taken:
                return update.update_id
            self._taken[update.update_id] = None
            while len(self._taken) > REMEMBERED:
                self._taken.popitem(last=False)
        return None
