"""Restarting the Telegram adapter loses nothing and sends nothing twice; webhook mode works."""

from __future__ import annotations

import socket

import httpx
import redis
from pydantic import SecretStr

from bot.telegram.adapter import TelegramAdapter
from tests.chat_harness import AdapterThread, command_context, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery

ANA = {"id": 1101, "first_name": "Ana"}
USER = "telegram:1101"


def test_restart_loses_nothing_and_sends_nothing_twice(tctx: WorkerContext,
                                                       tg: FakeTelegram) -> None:
    store = tctx.store
    store.give_consent(USER, "telegram")
    first = tg.push_text(ANA["id"], ANA, "My father Jonas kept bees in Evora.")
    with telegram(tctx, tg):
        wait_until(lambda: store.turns(USER))
        store.push_delivery(Delivery(user=USER, kind="reply", text="Tell me about the bees?"))
        tg.wait_for_sync(lambda: tg.sent(ANA["id"]))
    # while the adapter is down: a new message, two deliveries, and a lost wake-up
    tg.push_text(ANA["id"], ANA, "We sold the honey at the Sunday market.")
    store.push_delivery(Delivery(user=USER, kind="reply", text="Who came to the market?"))
    store.push_delivery(Delivery(user=USER, kind="notice", text="Still here."))
    assert store.take_pending_users("telegram") == [USER]  # as if a crash followed the take
    tg.push_update("message", first)  # Telegram re-sends an update it thinks was missed
    with telegram(tctx, tg):
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 3, timeout=10)
        wait_until(lambda: len(store.turns(USER)) == 2)
        tg.wait_for_sync(lambda: tg.pending_updates() == 0)
    assert texts(tg, ANA["id"]) == ["Tell me about the bees?", "Who came to the market?",
                                    "Still here."]
    assert [t.text for t in store.turns(USER)] == ["My father Jonas kept bees in Evora.",
                                                   "We sold the honey at the Sunday market."]
    assert store.turn_stream_length() == 2, "the re-sent update added nothing"
    assert store.deliveries_after(USER, "telegram") == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_webhook_mode_registers_and_takes_updates(tctx: WorkerContext, tg: FakeTelegram,
                                                  client: redis.Redis) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    settings = tctx.settings.model_copy(update={
        "telegram_webhook_url": url, "telegram_webhook_port": port,
        "telegram_webhook_secret": SecretStr("s3cret-token")})
    adapter = TelegramAdapter(command_context(tctx), settings, tg.token)
    with AdapterThread(adapter):
        hook = tg.wait_for_sync(tg.webhook)
        update = tg.push_command(ANA["id"], ANA, "start")
        raw = {"update_id": 77, "message": update}
        with httpx.Client(timeout=5) as http:
            refused = http.post(url, json=raw, headers={
                "X-Telegram-Bot-Api-Secret-Token": "wrong"})
            taken = http.post(url, json=raw, headers={
                "X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            garbage = http.post(url, content=b"{not json", headers={
                "X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        tg.wait_for_sync(lambda: tg.sent(ANA["id"]))
    assert hook["url"] == url and hook["secret_token"] == "s3cret-token"
    assert (refused.status_code, taken.status_code, garbage.status_code) == (403, 200, 400)
    assert len(tg.sent(ANA["id"])) == 1 and "storyloom" in (tg.sent(ANA["id"])[0].text or "")
    assert tg.calls("getUpdates") == [], "no long polling while the webhook is on"
