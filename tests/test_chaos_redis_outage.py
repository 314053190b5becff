"""Chaos: Redis stopped for 10 s while messages arrive and deliveries are pending.

The real Telegram adapter long-polls the local fake Bot API; its Redis is a redis-server of
the test's own (append-only, fsync always), killed for 10 s and started again. Every message
Telegram delivered must be stored exactly once, every delivery queued sent exactly once.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import redis

from bot.telegram.adapter import TelegramAdapter
from tests.chat_harness import AdapterThread, command_context, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.redis_procs import RedisProc
from tests.telegram_fixtures import fake_telegram, texts  # noqa: F401 - fixtures
from tests.test_trust_faults import PORT, fctx, own_redis  # noqa: F401 - fixtures
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery

USERS: list[dict[str, Any]] = [{"id": 1400 + n, "first_name": f"U{n}"} for n in range(4)]
MESSAGES = 12  # per user
DELIVERIES = 6  # per user


def _queue_deliveries(ctx: WorkerContext, stop: threading.Event, queued: list[str]) -> None:
    """Deliveries pushed while Redis comes and goes (as workers would), retried until acked."""
    for n in range(DELIVERIES):
        for who in USERS:
            text = f"Delivery {n} for {who['id']}."
            while not stop.is_set():
                try:
                    ctx.store.push_delivery(Delivery(user=f"telegram:{who['id']}", kind="reply",
                                                     text=text))
                    queued.append(text)
                    break
                except redis.RedisError:
                    time.sleep(0.1)
        time.sleep(0.5)


def test_redis_down_for_ten_seconds_loses_and_doubles_nothing(
        fctx: WorkerContext, tg: FakeTelegram, own_redis: RedisProc) -> None:  # noqa: F811
    store = fctx.store
    for who in USERS:
        store.give_consent(f"telegram:{who['id']}", "telegram")
        tg.push_text(who["id"], who, "Hello, this is where my story starts.")
    adapter = TelegramAdapter(command_context(fctx), fctx.settings, tg.token, poll_timeout=1)
    queued: list[str] = []
    stop = threading.Event()
    with AdapterThread(adapter):
        tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=30)
        pusher = threading.Thread(target=_queue_deliveries, args=(fctx, stop, queued))
        pusher.start()
        for n in range(MESSAGES):
            for who in USERS:
                tg.push_text(who["id"], who, f"Memory {n}: the river, the bridge, the bakery.")
            if n == 3:
                own_redis.kill()
                down_at = time.monotonic()
            if n == 9:
                time.sleep(max(0.0, 10 - (time.monotonic() - down_at)))
                own_redis.start()
            time.sleep(0.4)
        pusher.join(120)
        wanted = len(USERS) * (MESSAGES + 1)
        delivered = lambda: [t for w in USERS for t in texts(tg, w["id"])  # noqa: E731
                             if t.startswith("Delivery ")]
        with contextlib.suppress(TimeoutError):  # (the counts below say what is missing)
            wait_until(lambda: sum(len(store.turns(f"telegram:{w['id']}"))
                                   for w in USERS) >= wanted, timeout=60)
            tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=30)
            wait_until(lambda: len(delivered()) >= len(queued), timeout=60)
        time.sleep(3)  # anything sent twice would show by now
    stop.set()
    turns = [t for w in USERS for t in store.turns(f"telegram:{w['id']}")]
    sent = delivered()
    counts = {"messages sent": wanted, "stored": len(turns),
              "duplicate turns": len(turns) - len({t.turn_id for t in turns}),
              "deliveries queued": len(queued), "delivered": len(sent),
              "duplicate deliveries": len(sent) - len(set(sent)),
              "told to wait": sum("can't keep" in t for w in USERS for t in texts(tg, w["id"]))}
    print(json.dumps(counts))
    assert len(turns) == wanted and counts["duplicate turns"] == 0, counts
    assert sorted(sent) == sorted(queued), counts
