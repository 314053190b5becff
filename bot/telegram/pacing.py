"""Outbound pacing for Telegram: ~1 message/s per chat, 30/s overall, and 429s honoured."""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import RetryAfter

from bot.outbox import Pacer

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Telegram: "no more than one message per second" in a chat, 30 per second overall.
TELEGRAM_PER_SECOND = 30
# A little over one second, so two clocks never disagree about the window.
PER_CHAT_S = 1.05
# The pacer counts a send until a second after its answer (see bot.outbox.Pacer),
# so network delays cannot crowd more than this into any second Telegram counts.
PER_SECOND = TELEGRAM_PER_SECOND
ATTEMPTS = 5


def telegram_pacer() -> Pacer:
    """A pacer with Telegram's published limits."""
    return Pacer(PER_CHAT_S, PER_SECOND)


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait (an int or a timedelta, depending on PTB settings)."""
    with warnings.catch_warnings():
        # PTB warns that the int will become a timedelta; both are handled here.
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def paced(pacer: Pacer, chat: str, call: Callable[[], Awaitable[T]]) -> T:
    """Make one Bot API call in its pacing slot; on 429 wait as told, then try again."""
    for attempt in range(ATTEMPTS):
        try:
            async with pacer.sending(chat):
                return await call()
        except RetryAfter as error:
            wait = retry_seconds(error)
            logger.info("Telegram flood control: waiting %.1fs (attempt %s)", wait, attempt + 1)
            if attempt == ATTEMPTS - 1:
                raise
            pacer.hold(wait, chat)
    raise AssertionError("unreachable")
