"""Per-user order: one user's turns are applied in the order said, with several NLU workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, cli_env
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import GROUP, NluWorker
from worker.ops.runtime import WorkerContext
from worker.settings import Settings
from worker.store.keys import TURN_SHARDS, Keys
from worker.store.turns import LeaseLost

TEXTS = [
    "My grandmother Maria taught me to bake bread in Lisbon.",
    "Last summer my brother Tom and I drove to Porto.",
    "In 1998 we moved to a small flat near the river.",
    "I felt so proud when I graduated from nursing school.",
]
# a long first turn makes the worker that gets it slow, so a later turn of the
# same user would overtake it on an unsharded stream
LONG = " ".join(TEXTS * 40)


def _users_on_distinct_shards(n: int) -> list[str]:
    users: dict[int, str] = {}
    i = 0
    while len(users) < n:
        name = f"local:order{i}"
        users.setdefault(Keys.turn_shard(name), name)
        i += 1
    return list(users.values())


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", "nlu"],
                            env=cli_env(settings, STORYLOOM_NLU_LEASE_SECONDS="8"), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _reply_order(ctx: WorkerContext, user: str) -> list[str]:
    return [d.in_reply_to or "" for _, d in ctx.store.deliveries_after(user, "local", 1000)]


def test_turns_apply_in_order_with_three_workers_and_one_killed(ctx: WorkerContext) -> None:
    users = _users_on_distinct_shards(4)
    workers = [_worker(ctx.settings) for _ in range(3)]
    sent: dict[str, list[str]] = {u: [] for u in users}
    try:
        for round_ in range(6):
            for user in users:
                text = LONG if round_ == 0 else f"{TEXTS[round_ % 4]} ({round_})"
                intake = receive_text(ctx.store, ctx.settings, user=user, platform="local",
                                      chat_id=user, text=text)
                assert intake.turn is not None
                sent[user].append(intake.turn.turn_id)
            if round_ == 2:
                time.sleep(2.0)
                os.kill(workers[0].pid, signal.SIGKILL)  # its shards move mid-stream
                workers[0].wait()
        deadline = time.monotonic() + 300
        while any(ctx.store.get_profile(u).turns_applied < 6 for u in users):
            assert time.monotonic() < deadline, "turns were not all applied"
            time.sleep(0.2)
        for user in users:
            assert _reply_order(ctx, user) == sent[user]
            assert ctx.store.get_profile(user).turns_applied == 6
        while len({o for o in ctx.store.shard_owners() if o}) != 2:
            assert time.monotonic() < deadline, "the two live workers should share the shards"
            time.sleep(0.2)
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=60)


def test_a_worker_that_lost_its_lease_applies_nothing(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:fenced"
    shard = Keys.turn_shard(user)
    slow = NluWorker(ctx.store, analyzer, consumer="elsewhere.1", lease_ms=60_000)
    slow.balance()
    assert shard in slow.held and len(slow.held) == TURN_SHARDS
    receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user,
                 text=TEXTS[0])
    entries = ctx.store.read_turns(GROUP, slow.consumer, [shard], 10, 100)
    # the lease ran out while the slow worker was busy; another worker owns it now
    ctx.store.redis.delete(ctx.store.keys.turn_lease(shard))
    fresh = NluWorker(ctx.store, analyzer, consumer="elsewhere.2", lease_ms=60_000)
    fresh.balance()
    assert shard in fresh.held
    assert slow.process(entries) == 1  # fenced: nothing applied, the shard dropped
    assert shard not in slow.held
    assert ctx.store.get_profile(user).turns_applied == 0
    with pytest.raises(LeaseLost):
        ctx.store.apply_turn(entries[0][2], GROUP, entries[0][1], lambda p: (p, []),  # type: ignore[arg-type]
                             shard=shard, lease=slow.consumer)
    fresh.run(burst=True, block_ms=100)  # the new owner finishes the turn, once
    assert ctx.store.get_profile(user).turns_applied == 1
    assert len(ctx.store.deliveries_after(user, "local")) == 1
