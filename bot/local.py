"""Running storyloom on one machine: Redis, the model and the workers, started
with a command and stopped when it exits.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from worker.ops.connection import EmbeddedRedis, open_redis
from worker.settings import BUNDLED_MODEL, Settings

logger = logging.getLogger(__name__)

# what a conversation needs (transcribe loads its model at the first voice note; reminders
# is a light loop)
ROLES = ("nlu", "generate", "transcribe", "reminders")
# chat and serve also learn: per-user LoRA fine-tunes run in their own worker
LEARNING_ROLES = (*ROLES, "finetune")
_PR_SET_PDEATHSIG = 1
# A worker that keeps dying is not restarted forever.
MAX_RESTARTS = 5


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def prepare_model(settings: Settings, say: Callable[[str], object]) -> None:
    """Do the one-time conversion of the bundled model in the foreground, with progress."""
    if settings.storyloom_model != BUNDLED_MODEL:
        return
    from worker.llm import bundled

    if bundled.is_converted(settings.storyloom_cache_dir):
        return
    say("First run: converting the bundled language model (SmolLM2-135M-Instruct) "
        "once; this takes about a minute...")
    started = time.perf_counter()
    bundled.convert(settings.storyloom_cache_dir)
    say(f"Model ready in {time.perf_counter() - started:.0f}s.")


@dataclass
class LocalServices:
    """Redis (embedded unless configured), and worker processes for one command."""

    settings: Settings
    roles: tuple[str, ...] = ROLES
    client: redis.Redis | None = None
    embedded: EmbeddedRedis | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    abandoned: set[str] = field(default_factory=set)  # roles no longer restarted
    _stop: threading.Event = field(default_factory=threading.Event)
    _watch: threading.Thread | None = None

    def __enter__(self) -> LocalServices:
        self.client, self.embedded = open_redis(self.settings)
        for role in self.roles:
            self._spawn(role)
        self._watch = threading.Thread(target=self._supervise, daemon=True)
        self._watch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["STORYLOOM_DATA_DIR"] = str(self.settings.storyloom_data_dir.resolve())
        env["STORYLOOM_CACHE_DIR"] = str(self.settings.storyloom_cache_dir.resolve())
        if self.embedded is not None:
            env["REDIS_URL"] = self.embedded.url
        env["STORYLOOM_METRICS_PORT"] = "0"  # the port is the parent command's
        return env

    def _spawn(self, role: str) -> None:
        logs = self.settings.storyloom_data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        with open(logs / f"worker-{role}.log", "ab") as log:
            self.procs[role] = subprocess.Popen(  # noqa: S603 - our own CLI
                [sys.executable, "-m", "bot.cli.main", "worker", role],
                env=self._env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=_die_with_parent, cwd=Path.cwd(),
            )

    def _supervise(self) -> None:
        while not self._stop.wait(1.0):
            for role, proc in list(self.procs.items()):
                if proc.poll() is None or self._stop.is_set():
                    continue
                count = self.restarts.get(role, 0)
                if count >= MAX_RESTARTS:
                    if role not in self.abandoned:
                        # the person waiting at the terminal is told, not left at a silent prompt
                        self.abandoned.add(role)
                        log = self.settings.storyloom_data_dir / "logs" / f"worker-{role}.log"
                        print(f"\nstoryloom: the {role} worker keeps stopping (exit "
                              f"{proc.returncode}); what it said is in {log}", file=sys.stderr,
                              flush=True)
                    continue
                logger.warning("worker %s exited with %s; restarting it", role, proc.returncode)
                self.restarts[role] = count + 1
                self._spawn(role)

    def given_up(self) -> bool:
        """Whether a worker stopped for good (a reply that needs it will not come)."""
        return bool(self.abandoned)

    def stop(self) -> None:
        """Stop the workers (letting them finish their step), then the embedded Redis."""
        self._stop.set()
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        if self.client is not None:
            self.client.close()
        if self.embedded is not None:
            self.embedded.stop()
