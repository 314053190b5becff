"""Backpressure on story requests: a per-user limit, and an honest estimate of the wait.

Each user may have ``STORYLOOM_MAX_PENDING_STORIES`` requests not yet
fulfilled; one more gets a clear reply instead of a job, so the generate queue
is bounded by users x limit. A request admitted while generation is behind is
answered with its place in the queue and an estimate: the jobs ahead of it,
divided among the workers serving the queue, times the mean time of recent
jobs (read from RQ's finished-job registry: nothing extra is recorded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from rq.worker import Worker

from worker.ops import metrics
from worker.ops.queues import GENERATE, queue
from worker.store.records import utcnow
from worker.store.store import Store

RECENT_JOBS = 20
_DONE = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}

WRITING = "Writing the next part of your story..."
QUEUED = ("Your installment is queued: {ahead} ahead of it, so it should be ready in "
          "about {eta}. I'll send it here as soon as it is written.")
QUEUED_NO_ESTIMATE = ("Your installment is queued: {ahead} ahead of it. "
                      "I'll send it here as soon as it is written.")
TOO_MANY = ("You already have {n} installments on the way. I'll send them as soon as "
            "they're written; ask for another once they have arrived.")


@dataclass(frozen=True)
class Admission:
    """Whether a story request may be queued, and the reply when it may not."""

    admitted: bool
    pending: int
    text: str = ""


def _job_id(request_id: str) -> str:
    return f"story-{request_id}"  # worker.ops.queues.story_job_id, without building a request


def pending_requests(store: Store, user: str) -> list[str]:
    """The user's story requests whose job has not ended (ended ones are forgotten)."""
    key = store.keys.pending_stories(user)
    ids = [r.decode() for r in store.redis.zrange(key, 0, -1)]
    live = []
    for request_id in ids:
        try:
            status = Job.fetch(_job_id(request_id), connection=store.redis,
                               serializer=JSONSerializer).get_status()
        except NoSuchJobError:
            status = None
        if status is None or status in _DONE:
            store.redis.zrem(key, request_id)
        else:
            live.append(request_id)
    return live


def admit(store: Store, limit: int, user: str) -> Admission:
    """May this user queue another story request?"""
    waiting = len(pending_requests(store, user))
    if waiting >= limit:
        metrics.STORY_REQUESTS.labels(outcome="refused").inc()
        return Admission(False, waiting, TOO_MANY.format(n=waiting))
    return Admission(True, waiting)


def track(store: Store, user: str, request_id: str) -> None:
    """Count a queued request against the user's limit until its job ends."""
    store.redis.zadd(store.keys.pending_stories(user), {request_id: utcnow().timestamp()})
    metrics.STORY_REQUESTS.labels(outcome="queued").inc()


def mean_job_seconds(client: redis.Redis, recent: int = RECENT_JOBS) -> float | None:
    """Mean run time of the most recently finished generate jobs (None: no history)."""
    registry = queue(GENERATE, client).finished_job_registry
    ids = registry.get_job_ids(-recent, -1)
    jobs: list[Any] = Job.fetch_many(ids, connection=client, serializer=JSONSerializer)
    times = [(j.ended_at - j.started_at).total_seconds() for j in jobs
             if j is not None and j.ended_at and j.started_at]
    return sum(times) / len(times) if times else None


def wait_estimate(client: redis.Redis, request_id: str) -> tuple[int, float | None]:
    """(jobs ahead of this request, estimated seconds until it is written)."""
    q = queue(GENERATE, client)
    index = q.get_job_position(_job_id(request_id))
    ahead = (index or 0) + q.started_job_registry.count
    workers = max(1, Worker.count(queue=q))
    mean = mean_job_seconds(client)
    if mean is None:
        return ahead, None
    return ahead, math.ceil((ahead + 1) / workers) * mean


def say_duration(seconds: float) -> str:
    """'40 seconds', '3 minutes', '1 hour 10 minutes' (rounded up, as people say it)."""
    if seconds < 60:
        return f"{max(10, math.ceil(seconds / 10) * 10)} seconds"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours, rest = divmod(minutes, 60)
    return f"{hours} hour{'s' * (hours != 1)}" + (f" {rest} minutes" if rest else "")


def queued_reply(client: redis.Redis, request_id: str) -> str:
    """What to tell a user whose request was just queued."""
    ahead, eta = wait_estimate(client, request_id)
    if ahead == 0:
        return WRITING
    if eta is None:
        return QUEUED_NO_ESTIMATE.format(ahead=ahead)
    return QUEUED.format(ahead=ahead, eta=say_duration(eta))
