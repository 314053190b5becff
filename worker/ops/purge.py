"""A forgotten user's RQ jobs go with them: queued, scheduled, deferred, finished, failed.

Job arguments carry ids only (a user key, a request id), never the user's words; still,
a job names its user, and RQ keeps finished jobs for an hour and failed ones for a week.
/forget deletes every job of the user that is not running; a running one deletes its own
record when it ends (:func:`forget_this_job`), since it finds the user forgotten.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import redis
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.job import Job, get_current_job
from rq.serializers import JSONSerializer

from worker.ops.queues import FINETUNE, GENERATE, queue

logger = logging.getLogger(__name__)


def job_user(job: Job) -> str | None:
    """The user a storyloom job is for (a payload of before ids-only jobs, too)."""
    try:
        args = job.args
    except DeserializationError:
        return None
    first: Any = args[0] if args else None
    if isinstance(first, str) and first.startswith("{"):
        try:
            found = json.loads(first).get("user")
        except (ValueError, AttributeError):
            return None
        return found if isinstance(found, str) else None
    return first if isinstance(first, str) else None


def _job_ids(client: redis.Redis, name: str) -> set[str]:
    q = queue(name, client)
    registries = (q.finished_job_registry, q.failed_job_registry, q.deferred_job_registry,
                  q.scheduled_job_registry, q.canceled_job_registry)
    return set(q.get_job_ids()) | {i for r in registries for i in r.get_job_ids()}


def purge_user_jobs(client: redis.Redis, user: str) -> int:
    """Delete every job of the user that is not running now; returns how many."""
    purged = 0
    for name in (GENERATE, FINETUNE):
        for job_id in _job_ids(client, name):
            try:
                job = Job.fetch(job_id, connection=client, serializer=JSONSerializer)
            except NoSuchJobError:
                continue
            if job_user(job) == user:
                job.delete(remove_from_queue=True)
                purged += 1
    if purged:
        logger.info("user %s: %s jobs purged", user, purged)
    return purged


def forget_this_job() -> None:
    """The running job's user was forgotten: RQ keeps no record of it when it ends."""
    job = get_current_job()
    if job is not None:
        job.result_ttl = 0
