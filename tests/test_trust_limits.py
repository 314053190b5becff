"""Per-user limits: a flood of messages is not kept, a huge message is cut to a sane size,
and one user's fine-tunes wait out a cooldown (the fine-tune GPU is shared)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from bot.telegram.adapter import TelegramAdapter
from tests.chat_harness import AdapterThread, command_context, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import fake_telegram, telegram_context, texts  # noqa: F401
from worker.conversation.intake import receive_text
from worker.ops.queues import FINETUNE, queue
from worker.ops.runtime import WorkerContext
from worker.settings import Settings
from worker.training import schedule

ROSA: dict[str, Any] = {"id": 1301, "first_name": "Rosa"}
USER = "telegram:1301"
FLOOD = 40


def test_a_flood_of_messages_is_limited_and_said_once(tctx: WorkerContext,
                                                      tg: FakeTelegram) -> None:
    tctx.store.give_consent(USER, "telegram")
    limited = tctx.settings.model_copy(update={"storyloom_user_messages_per_minute": 1.0,
                                               "storyloom_user_message_burst": 5})
    for n in range(FLOOD):
        tg.push_text(ROSA["id"], ROSA, f"Spam line number {n} about nothing at all.")
    adapter = TelegramAdapter(command_context(tctx), limited, tg.token, poll_timeout=1)
    with AdapterThread(adapter):
        tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=60)
        wait_until(lambda: len(tctx.store.turns(USER)) >= 5, timeout=30)
        with contextlib.suppress(TimeoutError):
            tg.wait_for_sync(lambda: texts(tg, ROSA["id"]), timeout=10)
        time.sleep(2)  # the last updates fetched are handled
    kept = len(tctx.store.turns(USER))
    told = [t for t in texts(tg, ROSA["id"]) if "faster than I can keep up" in t]
    print({"sent": FLOOD, "kept": kept, "told": len(told)})
    assert kept <= 6, f"a flood of {FLOOD} messages: {kept} kept"
    assert len(told) == 1, "the user is told once, not flooded back"


def test_the_default_message_size_is_a_message_not_a_book(ctx: WorkerContext) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert ctx.settings.storyloom_max_message_chars == settings.storyloom_max_message_chars
    text = "I remember the orchard behind our house and every tree in it. " * 8000  # 504k
    intake = receive_text(ctx.store, ctx.settings, user="local:big", platform="local",
                          chat_id="big", text=text, turn_id="big-1")
    assert intake.turn is not None
    stored = len(ctx.store.turns("local:big")[0].text)
    assert stored <= 50_000, f"kept a {stored}-character message whole"
    assert intake.notice is not None, "the user is told it was cut"


def test_a_users_fine_tunes_wait_out_a_cooldown(ctx: WorkerContext) -> None:
    store, settings, user = ctx.store, ctx.settings, "local:eager"
    first = schedule.enqueue_finetune(store.redis, store, settings, user)
    assert first is not None
    schedule.release(store.redis, store, user)  # the fine-tune finished
    queue(FINETUNE, store.redis).empty()
    again = schedule.enqueue_finetune(store.redis, store, settings, user)
    assert again is None, "a second fine-tune queued right after the first"
    assert queue(FINETUNE, store.redis).count == 0
    # a retrain that removes turns kept out with /notrain does not wait
    assert schedule.enqueue_finetune(store.redis, store, settings, user, privacy=True)
