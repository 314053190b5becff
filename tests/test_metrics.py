"""Metrics and health endpoints of a real worker process, and what they report."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import redis
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT, cli_env
from worker.conversation.intake import receive_text
from worker.ops.health import Health, HealthServer, redis_check
from worker.ops.metrics import QueueCollector
from worker.ops.queues import GENERATE, enqueue_story
from worker.ops.runtime import WorkerContext
from worker.store.records import StoryRequest

TEXTS = ["My sister Ana grew roses in Braga.", "In 1990 we sailed to Madeira with dad.",
         "I was so happy the day my son was born."]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback only
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_nlu_worker_serves_metrics_health_and_stops_on_sigterm(ctx: WorkerContext) -> None:
    port = _free_port()
    env = cli_env(ctx.settings, STORYLOOM_METRICS_PORT=str(port),
                  STORYLOOM_METRICS_HOST="127.0.0.1")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", "nlu"], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for text in TEXTS:
            receive_text(ctx.store, ctx.settings, user="local:mo", platform="local",
                         chat_id="mo", text=text)
        deadline = time.monotonic() + 180
        while ctx.store.get_profile("local:mo").turns_applied < len(TEXTS):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
        assert _get(base + "/healthz")[0] == 200
        assert _get(base + "/readyz") == (200, "redis ok\nanalyzer ok\n")
        status, body = _get(base + "/metrics")
        found = _samples(body)
        assert status == 200
        assert found[("storyloom_nlu_turns_total", (("outcome", "applied"),))] == len(TEXTS)
        assert found[("storyloom_turns_backlog", ())] == 0
        assert found[("storyloom_turn_to_profile_seconds_count", ())] == len(TEXTS)
        assert found[("storyloom_queue_depth", (("queue", "generate"),))] == 0
        assert _get(base + "/nothing")[0] == 404
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stale_loop_fails_liveness_and_dead_redis_fails_readiness() -> None:
    dead = redis.Redis(host="127.0.0.1", port=_free_port(), socket_connect_timeout=0.2)
    health = Health(role="test", stale_after_s=0.2, checks={"redis": redis_check(dead)})
    server = HealthServer(health, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        health.beat()
        assert _get(base + "/healthz")[0] == 200
        time.sleep(0.3)
        assert _get(base + "/healthz")[0] == 503
        assert _get(base + "/readyz") == (503, "redis failing\n")
    finally:
        server.stop()


def test_queue_collector_reports_waiting_jobs_and_turn_backlog(ctx: WorkerContext) -> None:
    for n in range(3):
        enqueue_story(ctx.store, ctx.settings, StoryRequest(user=f"local:q{n}"))
    for text in TEXTS:
        receive_text(ctx.store, ctx.settings, user="local:qq", platform="local",
                     chat_id="qq", text=text)
    ctx.store.ensure_turn_group("nlu")
    registry = CollectorRegistry()
    registry.register(QueueCollector(ctx.store.redis, ctx.store.keys.turns_streams(), "nlu",
                                     [GENERATE, "finetune"]))
    assert registry.get_sample_value("storyloom_queue_depth", {"queue": GENERATE}) == 3
    assert registry.get_sample_value("storyloom_queue_depth", {"queue": "finetune"}) == 0
    assert registry.get_sample_value("storyloom_turns_backlog") == len(TEXTS)


def test_serve_answers_health_probes_and_stops_on_sigterm(settings) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes.telegram_api import FakeTelegram

    port = _free_port()
    with FakeTelegram() as tg:
        env = cli_env(settings, TELEGRAM_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url,
                      TELEGRAM_FILE_BASE_URL=tg.base_file_url, DISCORD_TOKEN="",
                      STORYLOOM_METRICS_PORT=str(port), STORYLOOM_METRICS_HOST="127.0.0.1")
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--no-workers"],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if _get(base + "/readyz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.2)
            assert _get(base + "/healthz")[0] == 200
            assert "storyloom_turns_received_total" in _get(base + "/metrics")[1]
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
