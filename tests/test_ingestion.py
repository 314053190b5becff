"""Turns go in through the stream and end in the profile exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import redis

from tests.conftest import ROOT, cli_env
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import GROUP, NluWorker
from worker.ops.runtime import WorkerContext
from worker.settings import Settings

MESSAGES = [
    "My grandmother Maria taught me to bake bread in Lisbon.",
    "Last summer my brother Tom and I drove to Porto.",
    "In 1998 we moved to a small flat near the river.",
    "I felt so proud when I graduated from nursing school.",
    "My friend Sam and I used to fish at the lake every Sunday.",
    "When I was seven I broke my arm falling from a tree.",
]


def _send(ctx: WorkerContext, user: str, texts: list[str]) -> list[str]:
    ids = []
    for text in texts:
        intake = receive_text(ctx.store, ctx.settings, user=user, platform="local",
                              chat_id=user, text=text)
        assert intake.turn is not None
        ids.append(intake.turn.turn_id)
    return ids


def test_n_turns_in_n_turns_applied_once(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    ids = _send(ctx, "local:ana", MESSAGES)
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)
    profile = ctx.store.get_profile("local:ana")
    assert profile.turns_applied == len(MESSAGES)
    assert all(ctx.store.is_applied("local:ana", t) for t in ids)
    names = {p.name for p in profile.people}
    assert "Maria" in names and "Tom" in names
    assert {"Lisbon", "Porto"} <= {p.name for p in profile.places}
    replies = ctx.store.deliveries_after("local:ana", "local")
    assert [d.in_reply_to for _, d in replies] == ids


def test_a_resent_turn_and_a_redelivered_entry_count_once(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:bo"
    [turn_id] = _send(ctx, user, MESSAGES[:1])
    again = receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user,
                         text=MESSAGES[0], turn_id=turn_id)
    assert again.duplicate
    # the same record appearing twice in the stream (e.g. replayed by an operator)
    stored = ctx.store.get_turn(user, turn_id)
    assert stored is not None
    ctx.store.redis.xadd(ctx.store.keys.turns_stream(),
                         {"user": user, "turn": stored.model_dump_json()})
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)
    assert ctx.store.get_profile(user).turns_applied == 1
    assert len(ctx.store.deliveries_after(user, "local")) == 1


def test_malformed_stream_entries_go_to_dead_letters(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    stream = ctx.store.keys.turns_stream()
    ctx.store.ensure_turn_group(GROUP)
    ctx.store.redis.xadd(stream, {"user": "local:cy", "turn": b"{not json"})
    ctx.store.redis.xadd(stream, {"other": b"x"})
    _send(ctx, "local:cy", MESSAGES[:1])
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)
    assert ctx.store.redis.xlen(ctx.store.keys.dead_letters()) == 2
    assert ctx.store.get_profile("local:cy").turns_applied == 1
    assert ctx.store.redis.xpending(stream, GROUP)["pending"] == 0


def _worker(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", "nlu"],
                            env=cli_env(settings), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_consumer_killed_midway_loses_and_repeats_nothing(
    ctx: WorkerContext, client: redis.Redis
) -> None:
    user = "local:dee"
    texts = [f"{m} ({i})" for i in range(5) for m in MESSAGES]  # 30 turns
    first = _worker(ctx.settings)
    ids = _send(ctx, user, texts[:15])
    deadline = time.monotonic() + 120
    while ctx.store.get_profile(user).turns_applied < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    ids += _send(ctx, user, texts[15:])
    second = _worker(ctx.settings)
    try:
        while ctx.store.get_profile(user).turns_applied < len(texts):
            assert time.monotonic() < deadline, "turns were lost"
            time.sleep(0.1)
        time.sleep(1.0)  # anything still in flight would show up now
        profile = ctx.store.get_profile(user)
        assert profile.turns_applied == len(texts)
        assert all(ctx.store.is_applied(user, t) for t in ids)
        assert client.xpending(ctx.store.keys.turns_stream(), GROUP)["pending"] == 0
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
