"""Concurrency for incoming updates: chats in parallel, each chat's updates in order.

A Telegram adapter spends most of an update waiting on Redis; handling many
chats at once hides that wait. A person's messages must still become turns in
the order they were sent, so updates of one chat wait for each other.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates handled at once (each mostly waits on Redis from a worker thread).
MAX_CONCURRENT = 32


class PerChatOrder(BaseUpdateProcessor):
    """Runs updates concurrently across chats and strictly in order within one chat."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def _chat(self, chat: int | None) -> AsyncIterator[None]:
        if chat is None:
            yield
            return
        lock, users = self._chats.get(chat, (asyncio.Lock(), 0))
        self._chats[chat] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chats[chat]
            if users <= 1:
                del self._chats[chat]
            else:
                self._chats[chat] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        """Run the update's handlers once the chat's earlier updates are done.

        Slots and chat locks are both granted first come, first served, so one chat's
        updates keep the order in which Telegram delivered them.
        """
        chat = update.effective_chat.id if isinstance(update, Update) and (
            update.effective_chat is not None) else None
        async with self._chat(chat):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
