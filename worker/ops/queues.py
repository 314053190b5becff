"""RQ queues and how jobs are put on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from rq import Callback, Queue, Retry
from rq.serializers import JSONSerializer

from worker.settings import Settings
from worker.store.records import StoryRequest

if TYPE_CHECKING:
    from worker.store.store import Store

GENERATE = "generate"
FINETUNE = "finetune"
TRANSCRIBE = "transcribe"


def queue(name: str, client: redis.Redis) -> Queue:
    """A queue whose job payloads are JSON, never pickles."""
    return Queue(name, connection=client, serializer=JSONSerializer)


def story_job_id(request: StoryRequest) -> str:
    """One job per story request: re-enqueueing the same request is a no-op."""
    return f"story-{request.request_id}"


# A failed story job is kept this long (for an operator to look at, or requeue).
STORY_FAILURE_TTL = 7 * 24 * 3600


def enqueue_story(store: Store, settings: Settings, request: StoryRequest) -> str:
    """Queue the writing of one installment; returns the job id.

    The request is kept sealed in the store; the job carries only the user's key and the
    request's id, so no words of the user (an /about) sit in RQ's job hashes."""
    runs = settings.storyloom_job_retries + 1
    store.save_story_request(request, STORY_FAILURE_TTL + settings.storyloom_job_timeout * runs)
    job = queue(GENERATE, store.redis).enqueue(
        "worker.ops.jobs.generate_installment",
        request.user, request.request_id,
        job_id=story_job_id(request),
        job_timeout=settings.storyloom_job_timeout,
        retry=Retry(max=settings.storyloom_job_retries) if settings.storyloom_job_retries else None,
        on_failure=Callback("worker.ops.jobs.story_failed"),
        result_ttl=3600,
        failure_ttl=STORY_FAILURE_TTL,
        description="write a story installment",
    )
    return str(job.id)


def enqueue_transcription(client: redis.Redis, settings: Settings, user: str,
                          voice_id: str) -> str:
    """Queue the transcription of one voice note (one job per note)."""
    job = queue(TRANSCRIBE, client).enqueue(
        "worker.conversation.voice.jobs.transcribe_voice", user, voice_id,
        job_id=f"voice-{voice_id}",
        job_timeout=settings.storyloom_transcribe_timeout,
        retry=Retry(max=1),
        on_failure=Callback("worker.conversation.voice.jobs.transcription_failed"),
        result_ttl=3600, failure_ttl=7 * 24 * 3600,
        description="transcribe a voice note",
    )
    return str(job.id)
