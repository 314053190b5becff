"""Forged Telegram updates: no webhook without a secret; a private chat is its sender's own."""

from __future__ import annotations

import pytest

from bot.telegram.adapter import TelegramAdapter
from tests.chat_harness import command_context, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.ops.runtime import WorkerContext

VICTIM = {"id": 2001, "first_name": "Vera"}
MALLORY = {"id": 3001, "first_name": "Mal"}


def test_a_webhook_without_a_secret_refuses_to_start(tctx: WorkerContext,
                                                      tg: FakeTelegram) -> None:
    open_hook = tctx.settings.model_copy(update={
        "telegram_webhook_url": "http://127.0.0.1:9/telegram/hook", "telegram_webhook_port": 9,
        "telegram_webhook_secret": None})
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        TelegramAdapter(command_context(tctx), open_hook, tg.token)


def test_an_update_in_someone_elses_private_chat_is_ignored(tctx: WorkerContext,
                                                            tg: FakeTelegram) -> None:
    store, victim = tctx.store, f"telegram:{VICTIM['id']}"
    store.give_consent(victim, "telegram")
    with telegram(tctx, tg):
        tg.push_text(VICTIM["id"], VICTIM, "My sister Ottilie moved to Tromso in 1987.")
        wait_until(lambda: store.turns(victim))
        tg.push_command(MALLORY["id"], MALLORY, "start")
        welcome = tg.wait_for_sync(lambda: tg.sent(MALLORY["id"]), timeout=10)[0]
        # forged: the victim's id as sender, in Mallory's own private chat
        tg.push_command(MALLORY["id"], VICTIM, "export")
        tg.push_callback(welcome.message_id, "forget:yes", chat_id=MALLORY["id"], user=VICTIM,
                         strict=False)
        tg.push_command(MALLORY["id"], MALLORY, "help")  # a marker: the forged ones came first
        tg.wait_for_sync(lambda: len(tg.sent(MALLORY["id"])) >= 2, timeout=10)
    sent = tg.sent(MALLORY["id"])
    assert not [m for m in sent if m.method == "sendDocument"], "an export went to another chat"
    assert len(sent) == 2 and "/story" in (sent[1].text or ""), texts(tg, MALLORY["id"])
    assert [t.text for t in store.turns(victim)] == [
        "My sister Ottilie moved to Tromso in 1987."], "the victim was not forgotten"
    assert store.get_consent(victim) is not None
