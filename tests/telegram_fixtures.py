"""Fixtures shared by the Telegram adapter tests (imported by each test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.telegram.adapter import TelegramAdapter
from tests.chat_harness import AdapterThread, command_context
from tests.fakes.telegram_api import FakeTelegram
from worker.ops.runtime import WorkerContext, install
from worker.settings import Settings


@pytest.fixture(name="tg")
def fake_telegram() -> Iterator[FakeTelegram]:
    """The fake Bot API."""
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture(name="tctx")
def telegram_context(settings: Settings, client: redis.Redis, tg: FakeTelegram) -> WorkerContext:
    """A worker context whose settings point the Telegram adapter at the fake."""
    tuned = settings.model_copy(update={
        "telegram_api_base_url": tg.base_url, "telegram_file_base_url": tg.base_file_url,
        "storyloom_max_new_tokens": 24,
    })
    context = WorkerContext.build(tuned, client)
    install(context)
    return context


def telegram(tctx: WorkerContext, tg: FakeTelegram) -> AdapterThread:
    """The real Telegram adapter, in its own thread, long-polling the fake."""
    return AdapterThread(TelegramAdapter(command_context(tctx), tctx.settings, tg.token,
                                         poll_timeout=1))


def texts(tg: FakeTelegram, chat: int) -> list[str]:
    """What the bot sent to a chat, as sent."""
    return [m.text or m.caption or "" for m in tg.sent(chat)]
