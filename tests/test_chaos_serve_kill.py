"""Chaos: `storyloom serve` killed with SIGKILL while it delivers, and started again.

The real serve process (Telegram adapter, long polling) runs as a child process against the
local fake Bot API, whose sends take a round trip like the real one's (half before Telegram
accepts the message, half for the answer). While deliveries are going out and users keep
writing, the process is killed with SIGKILL at random moments mid-send and restarted.

Every message Telegram delivered must be stored exactly once and every queued delivery must
arrive. Telegram's sendMessage has no idempotency key, so a kill that lands after Telegram
accepted a message but before its answer came back cannot be told from one that landed
before: that delivery is sent again. Deliveries to different chats go out side by side, so
each chat may see its one in-flight delivery again; the test holds every chat to at most one
repeat per kill, in order. The counts are printed (run with -s to see them).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tests.chat_harness import wait_until
from tests.conftest import ROOT, cli_env
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import fake_telegram, telegram_context, texts  # noqa: F401
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery

USERS: list[dict[str, Any]] = [{"id": 1500 + n, "first_name": f"K{n}"} for n in range(3)]
DELIVERIES = 12  # per user
MESSAGES = 6  # per user, sent while the kills happen
KILLS = 4
SEED = int(os.environ.get("STORYLOOM_CHAOS_SEED", "11"))


def _serve(ctx: WorkerContext, tg: FakeTelegram, log: Path) -> subprocess.Popen[bytes]:
    env = cli_env(ctx.settings, TELEGRAM_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url,
                  TELEGRAM_FILE_BASE_URL=tg.base_file_url, STORYLOOM_METRICS_PORT="0")
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "bot.cli.main", "serve", "--no-workers"],
            env=env, cwd=ROOT, stdout=out, stderr=out)


def _delivered(tg: FakeTelegram) -> list[str]:
    return [t for w in USERS for t in texts(tg, w["id"]) if t.startswith("Delivery ")]


def test_kill_9_of_serve_mid_delivery_loses_nothing(
        tctx: WorkerContext, tg: FakeTelegram, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    store = tctx.store
    tg.send_round_trip_s = 0.3
    for who in USERS:  # each chat exists (Telegram refuses sends to a chat never opened)
        store.give_consent(f"telegram:{who['id']}", "telegram")
        tg.push_text(who["id"], who, "Hello, this is where my story starts.")
    queued = [f"Delivery {n} for {w['id']}." for n in range(DELIVERIES) for w in USERS]
    for text in queued:
        user = f"telegram:{text.split()[-1].rstrip('.')}"
        store.push_delivery(Delivery(user=user, kind="reply", text=text))
    log = tmp_path / "serve.log"
    proc = _serve(tctx, tg, log)
    kills, messages = 0, 0
    hello = len(USERS)
    try:
        wait_until(lambda: _delivered(tg), timeout=120)
        while kills < KILLS:
            for who in USERS:  # users keep writing through the kills
                if messages < MESSAGES * len(USERS):
                    tg.push_text(who["id"], who, f"Memory {messages}: the orchard, the well.")
                    messages += 1
            # mid-send: before Telegram accepted the message, or after (its answer on the way)
            wait_until(lambda: tg.sends_in_flight > 0, timeout=60)
            time.sleep(rng.uniform(0.0, tg.send_round_trip_s))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
            proc = _serve(tctx, tg, log)
            wait_until(lambda: tg.calls("getUpdates") or _delivered(tg), timeout=60)
        while messages < MESSAGES * len(USERS):
            who = USERS[messages % len(USERS)]
            tg.push_text(who["id"], who, f"Memory {messages}: the orchard, the well.")
            messages += 1
        wait_until(lambda: set(_delivered(tg)) >= set(queued), timeout=240)
        wait_until(lambda: sum(len(store.turns(f"telegram:{w['id']}")) for w in USERS)
                   >= messages + hello, timeout=120)
        tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=60)
        time.sleep(3)  # anything sent twice would show by now
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    turns = [t for w in USERS for t in store.turns(f"telegram:{w['id']}")]
    sent = _delivered(tg)
    repeats = sum(n - 1 for n in Counter(sent).values())
    counts = {"kills": kills, "messages sent": messages + hello, "stored": len(turns),
              "duplicate turns": len(turns) - len({(t.user, t.text) for t in turns}),
              "deliveries queued": len(queued), "delivered": len(set(sent)),
              "sent again after a kill": repeats}
    print(json.dumps(counts))
    assert len(turns) == messages + hello and counts["duplicate turns"] == 0, counts
    assert set(sent) == set(queued), counts
    for who in USERS:  # in order per user; at most the one send in flight per kill repeated
        mine = [t for t in texts(tg, who["id"]) if t.startswith("Delivery ")]
        assert len(mine) - len(set(mine)) <= kills, (who["id"], mine)
        firsts = list(dict.fromkeys(mine))
        assert firsts == [f"Delivery {n} for {who['id']}." for n in range(DELIVERIES)], mine
