"""Faults that lose nothing: a Redis blip never stops deliveries, and liveness says so.

The adapters' Redis here is a redis-server of the test's own (append-only), killed and
started again on the same port; Telegram is the local fake Bot API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from bot.outbox import Outbox
from bot.telegram.adapter import TelegramAdapter
from tests.chat_harness import AdapterThread, command_context, wait_until
from tests.discord_fixtures import fake_discord  # noqa: F401 - fixtures
from tests.fakes.telegram_api import FakeTelegram
from tests.redis_procs import RedisProc
from tests.telegram_fixtures import fake_telegram, texts  # noqa: F401 - fixtures
from worker.ops.health import Health
from worker.ops.runtime import WorkerContext
from worker.settings import Settings
from worker.store.records import Delivery

PORT = 6397
ANA: dict[str, Any] = {"id": 1201, "first_name": "Ana"}
USER = "telegram:1201"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProc]:
    """A redis-server of this test's own, append-only so a restart keeps what it acknowledged."""
    server = RedisProc(tmp_path / "redis", PORT, "--appendonly", "yes", "--appendfsync",
                       "always", "--save", "").start()
    yield server
    server.kill()


@pytest.fixture
def fctx(settings: Settings, own_redis: RedisProc, tg: FakeTelegram) -> WorkerContext:
    """A context on the test's own Redis, the adapter pointed at the fake Bot API."""
    tuned = settings.model_copy(update={
        "redis_url": f"redis://127.0.0.1:{PORT}/0",
        "telegram_api_base_url": tg.base_url, "telegram_file_base_url": tg.base_file_url,
    })
    client = redis.Redis(host="127.0.0.1", port=PORT, socket_connect_timeout=0.5,
                         socket_timeout=3)
    return WorkerContext.build(tuned, client)


def _push(ctx: WorkerContext, text: str) -> None:
    ctx.store.push_delivery(Delivery(user=USER, kind="reply", text=text))


def test_deliveries_go_out_again_after_a_redis_outage(fctx: WorkerContext, tg: FakeTelegram,
                                                      own_redis: RedisProc) -> None:
    fctx.store.give_consent(USER, "telegram")
    adapter = TelegramAdapter(command_context(fctx), fctx.settings, tg.token, poll_timeout=1)
    tg.push_text(ANA["id"], ANA, "My father kept bees.")  # the chat exists
    with AdapterThread(adapter):
        _push(fctx, "Before the outage.")
        tg.wait_for_sync(lambda: texts(tg, ANA["id"]) == ["Before the outage."], timeout=15)
        tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=15)
        wait_until(lambda: fctx.store.turns(USER), timeout=15)  # the message is kept
        own_redis.kill()
        time.sleep(3)  # the delivery loop meets the outage
        own_redis.start()
        _push(fctx, "After the outage.")
        sent = tg.wait_for_sync(lambda: texts(tg, ANA["id"]) == ["Before the outage.",
                                                                 "After the outage."],
                                timeout=30)
        assert sent, f"nothing delivered after Redis came back: {texts(tg, ANA['id'])}"
        assert adapter.outbox.live(), "the delivery loop turns again"


def test_liveness_follows_the_delivery_loop(fctx: WorkerContext) -> None:
    """The process is live while its delivery loop goes round, and not once the loop ends."""
    from bot.serve import delivering  # (base: liveness was a timer, blind to the loop)
    from worker.ops.health import beat_while

    sent: list[str] = []

    async def send(user: str, delivery: Delivery) -> str:
        sent.append(delivery.text)
        return "sent"

    outbox = Outbox(fctx.store, ("telegram",), "telegram", send)  # type: ignore[arg-type]

    class Adapter:
        def __init__(self) -> None:
            self.outbox = outbox

    health = Health(role="serve", stale_after_s=0.8)

    async def scenario() -> tuple[bool, bool]:
        stop = asyncio.Event()
        loop = asyncio.create_task(outbox.run(stop))
        beating = asyncio.create_task(beat_while(
            health, delivering([Adapter()], start_s=0.0), every_s=0.05))  # type: ignore[list-item]
        await asyncio.sleep(1.0)
        while_running = health.live()
        stop.set()  # the loop ends (as if it had died): the beat must stop with it
        await loop
        await asyncio.sleep(1.5)
        beating.cancel()
        return while_running, health.live()

    while_running, after = asyncio.run(scenario())
    assert while_running, "live while the delivery loop runs"
    assert not after, "still reported live after the delivery loop stopped"


def test_a_message_sent_while_redis_is_down_is_kept_once_when_it_returns(
        fctx: WorkerContext, tg: FakeTelegram, own_redis: RedisProc) -> None:
    store = fctx.store
    store.give_consent(USER, "telegram")
    adapter = TelegramAdapter(command_context(fctx), fctx.settings, tg.token, poll_timeout=1)
    with AdapterThread(adapter):
        tg.push_text(ANA["id"], ANA, "My father kept bees in the orchard.")
        tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=15)
        own_redis.kill()
        tg.push_text(ANA["id"], ANA, "We sold the honey at the Sunday market.")
        told = tg.wait_for_sync(lambda: texts(tg, ANA["id"]), timeout=20)
        assert tg.pending_updates() == 1, "the update was confirmed though it was not stored"
        own_redis.start()
        tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=40)
    kept = [t.text for t in store.turns(USER)]
    print({"told": told, "kept": kept})
    assert "lost" not in " ".join(told), f"the user was told an untruth: {told}"
    assert kept == ["My father kept bees in the orchard.",
                    "We sold the honey at the Sunday market."], "kept once, in order"


def test_a_discord_message_sent_while_redis_is_down_is_kept_when_it_returns(
        settings: Settings, own_redis: RedisProc, dc: Any) -> None:
    from tests.discord_fixtures import DiscordRun, posts

    client = redis.Redis(host="127.0.0.1", port=PORT, socket_connect_timeout=0.5,
                         socket_timeout=3)
    ctx = WorkerContext.build(settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{PORT}/0"}), client)
    user = f"discord:{dc.add_user('alice')['id']}"
    ctx.store.give_consent(user, "discord")
    dm = dc.dm_channel("alice")["id"]
    with DiscordRun(ctx, dc):
        own_redis.kill()
        dc.push_message(dm, "alice", "My aunt Vesna sang at the harbour in Split.")
        told = dc.wait_for_sync(lambda: [p for p in posts(dc, dm) if "can't keep" in p],
                                timeout=20)
        own_redis.start()
        wait_until(lambda: ctx.store.turns(user), timeout=30)
    kept = [t.text for t in ctx.store.turns(user)]
    print({"told": told, "kept": kept})
    assert "lost" not in " ".join(told), f"the user was told an untruth: {told}"
    assert kept == ["My aunt Vesna sang at the harbour in Split."]
    assert not list((settings.storyloom_data_dir / "discord-spool").glob("*.sealed"))
