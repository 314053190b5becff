"""/metrics, /healthz and /readyz for a long-lived process, on a port from settings.

``/healthz`` (liveness) answers 200 while the process's main loop has moved
within ``stale_after_s``; a loop stuck in a deadlock gets the pod restarted.
``/readyz`` (readiness) answers 200 once the process can do its work: Redis
answers and its model is loaded. ``/metrics`` is the Prometheus text format.
The server runs in a daemon thread and never touches user data.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import redis
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from worker.ops import metrics
from worker.settings import Settings

logger = logging.getLogger(__name__)

REDIS_CHECK_TTL_S = 2.0


@dataclass
class Health:
    """What the endpoints report: a heartbeat and readiness checks."""

    role: str
    stale_after_s: float = 120.0
    checks: dict[str, Callable[[], bool]] = field(default_factory=dict)
    _beat: float = field(default_factory=time.monotonic)

    def beat(self) -> None:
        """The main loop moved: the process is alive."""
        self._beat = time.monotonic()
        metrics.progress(self.role)

    def live(self) -> bool:
        return time.monotonic() - self._beat < self.stale_after_s

    def ready(self) -> dict[str, bool]:
        """Each readiness check by name; a check that raises counts as not ready."""
        out: dict[str, bool] = {}
        for name, check in self.checks.items():
            try:
                out[name] = bool(check())
            except Exception as exc:  # noqa: BLE001 - a probe reports, it never crashes
                metrics.error("health", exc)
                out[name] = False
        return out


def redis_check(client: redis.Redis) -> Callable[[], bool]:
    """A readiness check that pings Redis, at most every REDIS_CHECK_TTL_S."""
    state = {"at": -1e9, "ok": False}

    def check() -> bool:
        now = time.monotonic()
        if now - state["at"] > REDIS_CHECK_TTL_S:
            try:
                state["ok"] = bool(client.ping())
            except redis.RedisError:
                state["ok"] = False
            state["at"] = now
        return bool(state["ok"])

    return check


def _handler(health: Health) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                ok = health.live()
                self._send(200 if ok else 503, b"ok\n" if ok else b"stale\n")
            elif path == "/readyz":
                checks = health.ready()
                ok = all(checks.values())
                body = "".join(f"{k} {'ok' if v else 'failing'}\n" for k, v in checks.items())
                self._send(200 if ok else 503, body.encode() or b"ok\n")
            else:
                self._send(404, b"not found\n")

        def _send(self, code: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the prober gave up waiting; it will ask again

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # probes every few seconds would flood the log

    return Handler


class HealthServer:
    """The endpoints on one port, served from a daemon thread."""

    def __init__(self, health: Health, host: str, port: int) -> None:
        self.health = health
        self.httpd = ThreadingHTTPServer((host, port), _handler(health))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       name="storyloom-health")

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> HealthServer:
        self.thread.start()
        logger.info("metrics and health endpoints on port %s", self.port)
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve_health(health: Health, host: str, port: int) -> HealthServer | None:
    """Start the endpoints when a port is configured (0: off)."""
    if port == 0:
        return None
    return HealthServer(health, host, port).start()


def process_health(settings: Settings, role: str, client: redis.Redis,
                   stale_after_s: float = 120.0) -> tuple[Health, HealthServer | None]:
    """Health of a process whose readiness is Redis answering; its endpoints when configured."""
    health = Health(role=role, stale_after_s=stale_after_s, checks={"redis": redis_check(client)})
    return health, serve_health(health, settings.storyloom_metrics_host,
                                settings.storyloom_metrics_port)


async def beat_forever(health: Health, every_s: float = 5.0) -> None:
    """Beat from an event loop: a blocked loop stops beating and fails liveness."""
    while True:
        health.beat()
        await asyncio.sleep(every_s)


async def beat_while(health: Health, alive: Callable[[], bool], every_s: float = 5.0) -> None:
    """Beat from an event loop while alive() says the work is moving (a delivery loop went
    round): a blocked loop, or work that stopped, stops the beat and fails liveness."""
    while True:
        if alive():
            health.beat()
        else:
            logger.warning("%s: its work loop stopped; liveness will fail", health.role)
        await asyncio.sleep(every_s)
