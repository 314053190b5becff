"""Every Prometheus metric storyloom exports, defined in one place.

Each long-lived process (NLU worker, generate and fine-tune workers, the
adapters, the dashboard) serves these on ``/metrics`` (see
:mod:`worker.ops.health`). Labels carry platforms, queues and outcomes, never a
user key or any text. Queue depths are read from Redis at scrape time by
:class:`QueueCollector`, so every process that registers it reports the same
numbers (alert rules take ``max`` over instances).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

import redis
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Seconds: a turn's NLU takes tens of ms; an installment seconds to minutes.
_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_SLOW = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
_TRAIN = (10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)

TURNS_RECEIVED = Counter(
    "storyloom_turns_received_total", "Messages received by intake, by outcome.",
    ["platform", "outcome"],  # stored, duplicate, empty, truncated
)
NLU_TURNS = Counter(
    "storyloom_nlu_turns_total", "Turns taken from the stream by the NLU worker, by outcome.",
    ["outcome"],  # applied, duplicate, dead_letter, fenced, failed
)
NLU_BATCH_SECONDS = Histogram(
    "storyloom_nlu_batch_seconds", "Time to analyse and apply one batch of turns.",
    buckets=_FAST,
)
NLU_TURN_LATENCY = Histogram(
    "storyloom_turn_to_profile_seconds", "From a turn being received to its profile update.",
    buckets=_FAST + (60, 120, 300),
)
GENERATION_SECONDS = Histogram(
    "storyloom_generation_seconds", "Wall time of one model.generate call for an installment.",
    buckets=_SLOW,
)
GENERATION_TOKENS_PER_S = Histogram(
    "storyloom_generation_tokens_per_second", "Decode speed of one installment.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000),
)
BATCH_REQUESTS = Histogram(
    "storyloom_generation_batch_requests", "Story requests (users) drafted in one batch.",
    buckets=(1, 2, 3, 4, 6, 8, 12, 16),
)
GENERATED_TOKENS = Counter("storyloom_generated_tokens_total", "New tokens generated.")
JOBS = Counter(
    "storyloom_jobs_total", "RQ jobs finished, by queue and outcome.",
    ["queue", "outcome"],  # delivered, notice, duplicate, failed, retried
)
FINETUNE_SECONDS = Histogram(
    "storyloom_finetune_seconds", "Duration of one LoRA fine-tune, by outcome.",
    ["outcome"], buckets=_TRAIN,
)
DELIVERIES = Counter(
    "storyloom_deliveries_total", "Deliveries queued for and sent by adapters.",
    ["platform", "kind", "outcome"],  # queued, sent, failed
)
ERRORS = Counter(
    "storyloom_errors_total", "Errors caught at a boundary, by component and exception type.",
    ["component", "kind"],
)
ADAPTER_UNAVAILABLE = Counter(
    "storyloom_adapter_unavailable_total",
    "A user's promoted adapter exists but could not be had; the base model wrote instead.",
    ["reason"],  # missing, unreadable
)
STORY_REQUESTS = Counter(
    "storyloom_story_requests_total", "Story requests, admitted or refused by backpressure.",
    ["outcome"],  # queued, refused
)
LAST_PROGRESS = Gauge(
    "storyloom_worker_last_progress_timestamp_seconds",
    "Unix time a worker last finished a unit of work or an idle poll.", ["role"],
)


def error(component: str, exc: BaseException) -> None:
    """Count an exception caught at a boundary."""
    ERRORS.labels(component=component, kind=type(exc).__name__).inc()


def observe_generation(stats: Any) -> None:
    """Record one installment's generation (a GenerationStats)."""
    GENERATION_SECONDS.observe(stats.seconds)
    GENERATION_TOKENS_PER_S.observe(stats.tokens_per_s)
    GENERATED_TOKENS.inc(stats.new_tokens)


def progress(role: str) -> None:
    """Record that a worker loop moved (stuck-worker alerts watch this)."""
    LAST_PROGRESS.labels(role=role).set(time.time())


class QueueCollector(Collector):
    """Reads queue depths and the turns backlog from Redis at scrape time."""

    def __init__(self, client: redis.Redis, turn_streams: Sequence[str], group: str,
                 queues: Sequence[str]) -> None:
        # redis-py types sync calls as "Awaitable | result" (see worker.store.base)
        self.client: Any = client
        self.turn_streams = list(turn_streams)
        self.group = group
        self.queues = list(queues)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("storyloom_queue_depth", "Jobs waiting in an RQ queue.",
                                  labels=["queue"])
        started = GaugeMetricFamily("storyloom_queue_started",
                                    "Jobs an RQ worker is running now.", labels=["queue"])
        failed = GaugeMetricFamily("storyloom_queue_failed", "Jobs in an RQ failed registry.",
                                   labels=["queue"])
        workers = GaugeMetricFamily("storyloom_queue_workers", "RQ workers serving a queue.",
                                    labels=["queue"])
        backlog = GaugeMetricFamily(
            "storyloom_turns_backlog", "Turns not yet read plus read but unacknowledged.")
        try:
            self._queues(depth, started, failed, workers)
            backlog.add_metric([], self._turn_backlog())
        except redis.RedisError as exc:
            error("metrics", exc)
            return
        yield from (depth, started, failed, workers, backlog)

    def _queues(self, *families: GaugeMetricFamily) -> None:
        from rq import Queue, Worker

        depth, started, failed, workers = families
        for name in self.queues:
            q = Queue(name, connection=self.client)
            depth.add_metric([name], q.count)
            started.add_metric([name], q.started_job_registry.count)
            failed.add_metric([name], q.failed_job_registry.count)
            workers.add_metric([name], Worker.count(queue=q))

    def _turn_backlog(self) -> float:
        total = 0
        for stream in self.turn_streams:
            try:
                groups = self.client.xinfo_groups(stream)
            except redis.ResponseError:  # the stream does not exist yet
                continue
            for g in groups:
                name = g["name"].decode() if isinstance(g["name"], bytes) else g["name"]
                if name == self.group:
                    total += int(g.get("lag") or 0) + int(g.get("pending") or 0)
        return float(total)


def register_queue_collector(client: redis.Redis, turn_streams: Sequence[str], group: str,
                             queues: Sequence[str]) -> QueueCollector:
    """Export queue depths from this process (once per process)."""
    collector = QueueCollector(client, turn_streams, group, queues)
    REGISTRY.register(collector)
    return collector
