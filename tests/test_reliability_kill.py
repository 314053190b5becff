"""kill -9 workers at random points under load: nothing lost, nothing twice, nothing stuck.

Two NLU workers, one generate worker and one fine-tune worker run as real
processes; a scripted load of turns and /story requests runs alongside, and
its words queue tiny fine-tunes. 30 times a random worker is killed with
SIGKILL at a random moment (loading, idle, mid-batch, mid-job, recovering) and
started again; some kills wait for a fine-tune to be running first.
Afterwards every acknowledged turn is in its profile exactly once with exactly
one reply, every story request has exactly one installment, every fine-tune
finished and let go of its user's lock, each user's adapter registry is whole
(every version on disk, one current at most), and no job or turn is left
pending.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from tests.conftest import ROOT, cli_env
from tests.learning_support import small
from worker.conversation.commands import CommandContext, dispatch
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import GROUP
from worker.ops.queues import FINETUNE, GENERATE, queue
from worker.ops.runtime import WorkerContext
from worker.training import registry
from worker.training.records import AdapterVersion
from worker.training.schedule import finetune_job_id

KILLS = 30
USERS = [f"local:k{n}" for n in range(4)]
TEXTS = ["My grandmother Maria taught me to bake bread in Lisbon.",
         "Last summer my brother Tom and I drove to Porto.",
         "In 1998 we moved to a small flat near the river.",
         "My friend Sam and I used to fish at the lake every Sunday."]
SEED = int(os.environ.get("STORYLOOM_CHAOS_SEED", "8"))
PORTS = {"nlu1": 6397, "nlu2": 6398, "generate1": 6399, "finetune1": 6391}  # their /readyz
SLOTS = ("nlu1", "nlu2", "nlu1", "nlu2", "generate1", "finetune1")
# These kills wait for a fine-tune to be running, so some surely land mid-training.
AT_FINETUNE = {6, 16, 26}
LEARNING = ("storyloom_lora_", "storyloom_finetune_")  # the tiny fine-tune, for the workers

Said = tuple[dict[str, list[str]], threading.Lock]  # turn ids by user, and who may add one


class Fleet:
    """Worker processes by role, restarted after each kill."""

    def __init__(self, ctx: WorkerContext, logs: Path) -> None:
        learning = {name.upper(): str(getattr(ctx.settings, name))
                    for name in type(ctx.settings).model_fields if name.startswith(LEARNING)}
        # OMP_NUM_THREADS: four torch processes share the test machine's cores; with a
        # thread per core each they spin against each other: a 16-token story took minutes
        self.env = cli_env(ctx.settings, STORYLOOM_MAX_NEW_TOKENS="16",
                           STORYLOOM_JOB_RETRIES="10", STORYLOOM_NLU_LEASE_SECONDS="4",
                           STORYLOOM_NLU_WAIT_SECONDS="120", OMP_NUM_THREADS="1", **learning)
        self.logs = logs
        self.redis: redis.Redis = ctx.store.redis
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.kills: list[str] = []
        self.mid_finetune = 0  # kills of finetune1 while it was running a fine-tune

    def start(self, slot: str) -> None:
        role = slot.rstrip("0123456789")
        env = dict(self.env, STORYLOOM_METRICS_PORT=str(PORTS[slot]),
                   STORYLOOM_METRICS_HOST="127.0.0.1")
        with (self.logs / f"{slot}.log").open("ab") as log:
            self.procs[slot] = subprocess.Popen(
                [sys.executable, "-m", "bot.cli.main", "worker", role], env=env, cwd=ROOT,
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

    def finetuning(self) -> bool:
        """Whether the live finetune1 process is running a fine-tune job now."""
        proc = self.procs["finetune1"]
        mine = f"{socket.gethostname()}.{proc.pid}."
        started = StartedJobRegistry(queue=queue(FINETUNE, self.redis))
        for job_id in started.get_job_ids(cleanup=False):
            try:
                job = Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
            except NoSuchJobError:
                continue
            if (job.worker_name or "").startswith(mine) and proc.poll() is None:
                return True
        return False

    def kill(self, slot: str) -> None:
        proc = self.procs[slot]
        if slot == "finetune1" and self.finetuning():
            self.mid_finetune += 1
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


def _say(ctx: WorkerContext, said: Said, user: str, text: str) -> None:
    """One turn of the user, remembered in the order the store numbered it."""
    turns, lock = said
    with lock:
        intake = receive_text(ctx.store, ctx.settings, user=user, platform="local",
                              chat_id=user, text=text)
        assert intake.turn is not None
        turns[user].append(intake.turn.turn_id)


def _load(ctx: WorkerContext, said: Said, requests: dict[str, list[str]],
          rng: random.Random) -> None:
    commands = CommandContext(ctx.settings, ctx.store, ctx.store.redis)
    for n in range(6):
        for user in USERS:
            _say(ctx, said, user, f"{TEXTS[(n + len(user)) % 4]} ({n})")
            if n == 3:
                result = dispatch(commands, user, "story", "")
                assert result.request_id, result.text
                requests[user].append(result.request_id)
            time.sleep(rng.uniform(0.05, 0.5))


def _busy_finetune(ctx: WorkerContext, fleet: Fleet, said: Said, timeout_s: float = 120.0
                   ) -> None:
    """Until finetune1 runs a fine-tune; more words from the users queue one if none is."""
    finetunes = queue(FINETUNE, ctx.store.redis)
    deadline, nudged, last = time.monotonic() + timeout_s, 0, 0.0
    while time.monotonic() < deadline and not fleet.finetuning():
        idle = finetunes.count == 0 and StartedJobRegistry(queue=finetunes).count == 0
        if idle and nudged < 12 and time.monotonic() - last > 3.0:
            user = USERS[nudged % len(USERS)]
            _say(ctx, said, user, f"{TEXTS[nudged % 4]} (more {nudged})")
            nudged, last = nudged + 1, time.monotonic()
        time.sleep(0.1)


def _settled(ctx: WorkerContext, turns: dict[str, list[str]],
             requests: dict[str, list[str]]) -> bool:
    store = ctx.store
    finetunes = queue(FINETUNE, store.redis)
    return all(store.get_profile(u).turns_applied >= len(turns[u]) for u in USERS) and all(
        store.request_done(r) for rs in requests.values() for r in rs) and (
        finetunes.count == 0 and StartedJobRegistry(queue=finetunes).count == 0)


def _assert_adapters_whole(ctx: WorkerContext, user: str) -> None:
    """Every version of the user is on disk with its record; one current at most."""
    store = ctx.store
    versions = store.adapter_versions(user)
    assert versions, f"user {user} was never fine-tuned"
    assert len({v.number for v in versions}) == len(versions)
    for version in versions:
        with store.adapter_files(user, version.version_id) as folder:
            for name in ("adapter_config.json", "adapter_model.safetensors"):
                assert (folder / name).is_file(), f"v{version.number} lost {name}"
            saved = AdapterVersion.model_validate_json(
                (folder / registry.RECORD_FILE).read_text())
        assert saved.version_id == version.version_id
    promoted = [v.version_id for v in versions if v.status == "promoted"]
    assert len(promoted) <= 1, "one version serves the user at most"
    current = store.current_adapter(user)
    assert (current.version_id if current else None) == (promoted[0] if promoted else None)


@pytest.mark.timeout(1800)  # 30 restarts, each loading spaCy, the safety model or the LM
def test_random_kill_9_of_workers_under_load_loses_and_repeats_nothing(
    ctx: WorkerContext, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    # a fine-tune after about three turns of a user: the learning tests' size, one epoch
    # (the kills need a fine-tune running, not a good adapter)
    ctx.settings = small(ctx.settings, storyloom_lora_epochs=1,
                         storyloom_finetune_story_tokens=16,
                         storyloom_max_pending_stories=5, storyloom_job_retries=10)
    fleet = Fleet(ctx, tmp_path)
    for slot in PORTS:
        fleet.start(slot)
    turns: dict[str, list[str]] = {u: [] for u in USERS}
    requests: dict[str, list[str]] = {u: [] for u in USERS}
    said: Said = (turns, threading.Lock())
    load = threading.Thread(target=_load, args=(ctx, said, requests, rng))
    load.start()
    try:
        for n in range(KILLS):
            slot = "finetune1" if n in AT_FINETUNE else rng.choice(SLOTS)
            if n % 2 == 0:  # half the kills hit a worker at work, half at any moment
                fleet.wait_ready(slot)
                if slot == "finetune1":
                    _busy_finetune(ctx, fleet, said)
            # a fine-tune here runs for seconds: let the kill land anywhere in it
            time.sleep(rng.uniform(0.1, 6.0 if slot == "finetune1" else 2.0))
            fleet.kill(slot)
            fleet.start(slot)
        load.join(timeout=300)
        assert not load.is_alive()
        deadline = time.monotonic() + 600
        for _ in range(2):  # again after a pause: a late fine-tune or duplicate lands meanwhile
            while not _settled(ctx, turns, requests):
                assert time.monotonic() < deadline, f"stuck after kills {fleet.kills}"
                time.sleep(0.5)
            time.sleep(2.0)
    finally:
        fleet.stop()
    print(f"kills: {fleet.kills.count('finetune1')} of finetune1, {fleet.mid_finetune} mid-job")
    assert len(fleet.kills) == KILLS and "generate1" in fleet.kills
    assert fleet.mid_finetune >= 1, "no kill landed on a running fine-tune"
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
    # a fine-tune lost with its worker runs again: every user's last one finished
    finetunes = queue(FINETUNE, store.redis)
    assert finetunes.count == 0 and StartedJobRegistry(queue=finetunes).count == 0
    assert finetunes.failed_job_registry.count == 0
    for user in USERS:
        job = Job.fetch(finetune_job_id(user), connection=store.redis, serializer=JSONSerializer)
        assert job.get_status() == JobStatus.FINISHED
        assert not store.redis.exists(store.keys.finetune_lock(user)), "the next one can queue"
        _assert_adapters_whole(ctx, user)
