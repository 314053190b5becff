"""An installment shown while it is written, on a platform that can edit a message.

The story engine publishes the leading draft to the request's progress stream
(``Store.push_progress``). For each story request a chat adapter starts, :class:`LiveStory`
reads that stream and shows its latest text in one message: sent at the first words, then
edited, never more often than once every ``every_s`` seconds (and always through the
adapter's pacer, inside the platform's limits). When the request's delivery arrives, the
adapter calls :meth:`LiveStory.finish` and edits that same message into the delivered text,
which may differ from the preview: a preview is never a delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from worker.store.store import Store

logger = logging.getLogger(__name__)

WRITING = "✍️ Writing your story (the version leading so far):\n\n"
POLL_S = 0.25
MAX_S = 1800.0  # a preview nobody finished (the delivery went elsewhere) ends by itself

Show = Callable[[str, str, Any], Awaitable[Any]]  # (chat, text, handle or None) -> handle


def preview_text(text: str, limit: int) -> str:
    """The message a preview shows: a heading and the end of the text so far."""
    room = limit - len(WRITING) - 1
    return WRITING + (text if len(text) <= room else "…" + text[-room + 1:])


@dataclass
class _Follow:
    user: str
    chat: str
    handle: Any = None
    text: str = ""
    shown: str = ""
    stop: bool = False
    started: float = field(default_factory=time.monotonic)
    task: asyncio.Task[None] | None = None


class LiveStory:
    """Follows story requests' progress and keeps one message per request up to date."""

    def __init__(self, store: Store, show: Show, every_s: float, limit: int) -> None:
        self.store = store
        self.show = show
        self.every_s = every_s
        self.limit = limit
        self.first_shown: dict[str, float] = {}  # request id -> when words first appeared
        self._follows: dict[str, _Follow] = {}

    def follow(self, user: str, chat: str, request_id: str) -> None:
        """Show request_id's draft in chat as it is written (until finish)."""
        if request_id in self._follows:
            return
        state = _Follow(user, chat)
        self._follows[request_id] = state
        state.task = asyncio.create_task(self._run(request_id, state))

    async def _run(self, request_id: str, state: _Follow) -> None:
        after, last_edit = "0-0", 0.0
        while not state.stop and time.monotonic() - state.started < MAX_S:
            entries = await asyncio.to_thread(self.store.read_progress, state.user,
                                              request_id, after, 0)
            for entry_id, progress in entries:
                after, state.text = entry_id, progress.text
            due = time.monotonic() - last_edit >= self.every_s
            if state.text and state.text != state.shown and due and not state.stop:
                if not await self._show(request_id, state):
                    return
                # paced from when the platform answered: it saw the last edit before that
                last_edit = time.monotonic()
            await asyncio.sleep(POLL_S)

    async def _show(self, request_id: str, state: _Follow) -> bool:
        try:
            state.handle = await self.show(state.chat, preview_text(state.text, self.limit),
                                           state.handle) or state.handle
        except Exception as exc:  # noqa: BLE001 - a lost preview never stops the delivery
            logger.info("live preview of %s stopped: %s", request_id, type(exc).__name__)
            return False
        state.shown = state.text
        self.first_shown.setdefault(request_id, time.monotonic())
        return True

    async def finish(self, request_id: str | None) -> Any:
        """Stop following request_id; the handle of its preview message (None: none shown)."""
        state = self._follows.pop(request_id or "", None)
        if state is None:
            return None
        state.stop = True
        if state.task is not None:
            with contextlib.suppress(Exception):
                await state.task  # lets a send in flight finish, so its message is known
        return state.handle

    async def close(self) -> None:
        """Stop every follower (the adapter is stopping)."""
        for request_id in list(self._follows):
            await self.finish(request_id)
