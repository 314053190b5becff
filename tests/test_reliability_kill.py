"""kill -9 workers at random points under load: nothing lost, nothing twice, nothing stuck.

Two NLU workers and one generate worker run as real processes; a scripted
load of turns and /story requests runs alongside; 30 times a random worker is
killed with SIGKILL at a random moment (loading, idle, mid-batch, mid-job,
recovering) and started again. Afterwards every acknowledged turn is in its
profile exactly once with exactly one reply, every story request has exactly
one installment, and no job or turn is left pending.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rq.registry import StartedJobRegistry

from tests.conftest import ROOT, cli_env
from worker.commands import CommandContext, dispatch
from worker.intake import receive_text
from worker.nlu_worker import GROUP
from worker.queues import GENERATE, queue
from worker.runtime import WorkerContext

KILLS = 30
USERS = [f"local:k{n}" for n in range(4)]
TEXTS = ["My grandmother Maria taught me to bake bread in Lisbon.",
         "Last summer my brother Tom and I drove to Porto.",
         "In 1998 we moved to a small flat near the river.",
         "My friend Sam and I used to fish at the lake every Sunday."]
SEED = int(os.environ.get("STORYLOOM_CHAOS_SEED", "8"))
PORTS = {"nlu1": 6397, "nlu2": 6398, "generate1": 6399}  # their /readyz


class Fleet:
    """Worker processes by role, restarted after each kill."""

    def __init__(self, ctx: WorkerContext, logs: Path) -> None:
        self.env = cli_env(ctx.settings, STORYLOOM_MAX_NEW_TOKENS="16",
                           STORYLOOM_JOB_RETRIES="10", STORYLOOM_NLU_LEASE_SECONDS="4",
                           STORYLOOM_NLU_WAIT_SECONDS="120")
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: list[str] = []

    def start(self, slot: str) -> None:
        role = slot.rstrip("0123456789")
        env = dict(self.env, STORYLOOM_METRICS_PORT=str(PORTS[slot]),
                   STORYLOOM_METRICS_HOST="127.0.0.1")
        with (self.logs / f"{slot}.log").open("ab") as log:
            self.procs[slot] = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker", role], env=env, cwd=ROOT,
                stdout=subprocess.DEVNULL, stderr=log)

    def wait_ready(self, slot: str, timeout_s: float = 90.0) -> None:
        """Until the worker answers /readyz (its model or analyzer is loaded)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.procs[slot].poll() is None:
            try:
                url = f"http://127.0.0.1:{PORTS[slot]}/readyz"
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)

    def kill(self, slot: str) -> None:
        proc = self.procs[slot]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        self.kills.append(slot)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _load(ctx: WorkerContext, turns: dict[str, list[str]], requests: dict[str, list[str]],
          rng: random.Random) -> None:
    commands = CommandContext(ctx.settings, ctx.store, ctx.store.redis)
    for n in range(6):
        for user in USERS:
            intake = receive_text(ctx.store, ctx.settings, user=user, platform="local",
                                  chat_id=user, text=f"{TEXTS[(n + len(user)) % 4]} ({n})")
            assert intake.turn is not None
            turns[user].append(intake.turn.turn_id)
            if n == 3:
                result = dispatch(commands, user, "story", "")
                assert result.request_id, result.text
                requests[user].append(result.request_id)
            time.sleep(rng.uniform(0.05, 0.5))


def _settled(ctx: WorkerContext, turns: dict[str, list[str]],
             requests: dict[str, list[str]]) -> bool:
    store = ctx.store
    return all(store.get_profile(u).turns_applied >= len(turns[u]) for u in USERS) and all(
        store.request_done(r) for rs in requests.values() for r in rs)


@pytest.mark.timeout(1800)  # 30 restarts, each loading spaCy, the safety model or the LM
def test_random_kill_9_of_workers_under_load_loses_and_repeats_nothing(
    ctx: WorkerContext, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    ctx.settings = ctx.settings.model_copy(update={"storyloom_max_pending_stories": 5,
                                                   "storyloom_job_retries": 10})
    fleet = Fleet(ctx, tmp_path)
    for slot in ("nlu1", "nlu2", "generate1"):
        fleet.start(slot)
    turns: dict[str, list[str]] = {u: [] for u in USERS}
    requests: dict[str, list[str]] = {u: [] for u in USERS}
    load = threading.Thread(target=_load, args=(ctx, turns, requests, rng))
    load.start()
    try:
        for n in range(KILLS):
            slot = rng.choice(("nlu1", "nlu2", "nlu1", "nlu2", "generate1"))
            if n % 2 == 0:  # half the kills hit a worker at work, half at any moment
                fleet.wait_ready(slot)
            time.sleep(rng.uniform(0.1, 2.0))
            fleet.kill(slot)
            fleet.start(slot)
        load.join(timeout=300)
        assert not load.is_alive()
        deadline = time.monotonic() + 600
        while not _settled(ctx, turns, requests):
            assert time.monotonic() < deadline, f"stuck after kills {fleet.kills}"
            time.sleep(0.5)
        time.sleep(2.0)  # a duplicate still in flight would land now
    finally:
        fleet.stop()
    assert len(fleet.kills) == KILLS and "generate1" in fleet.kills
    store = ctx.store
    for user in USERS:
        deliveries = [d for _, d in store.deliveries_after(user, "local", 10_000)]
        replies = [d.in_reply_to for d in deliveries if d.kind == "reply"]
        assert sorted(replies) == sorted(turns[user]), "one reply per acknowledged turn"
        assert replies == turns[user], "in the order said"
        assert store.get_profile(user).turns_applied == len(turns[user])
        assert all(store.is_applied(user, t) for t in turns[user])
        installments = [d.in_reply_to for d in deliveries if d.kind == "installment"]
        assert sorted(installments) == sorted(requests[user]), "one installment per request"
        assert len(store.installments(user)) == len(requests[user])
        assert not [d for d in deliveries if d.kind == "notice"]
    q = queue(GENERATE, store.redis)
    assert q.count == 0 and StartedJobRegistry(queue=q).count == 0
    assert q.failed_job_registry.count == 0
    for stream in store.keys.turns_streams():
        assert store.redis.xpending(stream, GROUP)["pending"] == 0
