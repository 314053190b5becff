"""Erasure that holds: no late write brings a forgotten user back, no RQ job keeps their
words or names them, and a data snapshot restored after /forget opens nothing."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import redis
from pydantic import SecretStr
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from tests.counsel_support import say
from tests.redis_procs import RedisProc
from tests.test_privacy_encryption import all_values, all_values_of
from worker.counsel.rights import forget_user
from worker.ops.queues import GENERATE, queue
from worker.ops.runtime import WorkerContext
from worker.profile.model import LifeEvent, Profile
from worker.settings import Settings
from worker.store.records import Delivery, Turn
from worker.store.store import Store

SECRET = "My aunt Wilhelmina Oberhauser kept goats in Bregenz."


def _turn(user: str, seq: int = 1) -> Turn:
    return Turn(turn_id=f"t{seq}", user=user, platform="telegram", chat_id=user, seq=seq,
                text=SECRET, created_at=datetime(2026, 1, 1, tzinfo=UTC))


def _traces(client: redis.Redis, user: str, *words: bytes) -> list[bytes]:
    """Keys that name the user, or whose values name them or hold any of the words."""
    wanted = (user.encode(), *words)
    return [k for k in client.scan_iter(count=1000)
            if any(w in v for v in (k, *all_values_of(client, k)) for w in wanted)]


def test_a_write_retrying_after_forget_brings_nothing_back(ctx: WorkerContext) -> None:
    store, user = ctx.store, "telegram:71"
    store.give_consent(user, "telegram")
    store.ensure_turn_group("nlu")
    turn = _turn(user)
    store.append_turn(turn)
    serve = Store.from_settings(ctx.settings, store.redis)  # another process: /forget there
    calls: list[int] = []

    def update(profile: Profile) -> tuple[Profile, list[Delivery]]:
        calls.append(1)
        if len(calls) == 1:  # /forget lands between this transaction's WATCH and its EXEC
            forget_user(serve, user, ctx.settings)
        return (profile.model_copy(update={"turns_applied": profile.turns_applied + 1}),
                [Delivery(user=user, kind="reply", text="Tell me about Wilhelmina?")])

    raised: Exception | None = None
    try:
        store.apply_turn(turn, "nlu", "0-1", update)
    except Exception as exc:  # noqa: BLE001 - the test looks at what it was
        raised = exc
    assert len(calls) >= 1
    assert not _traces(store.redis, user, b"Wilhelmina"), "the late write brought data back"
    assert store.get_profile(user).turns_applied == 0
    assert type(raised).__name__ == "UserForgotten", raised


def test_job_payloads_hold_no_words_and_forget_purges_the_users_jobs(
    ctx: WorkerContext,
) -> None:
    store, user = ctx.store, "telegram:72"
    store.give_consent(user, "telegram")
    event = LifeEvent(text="Ottoline Brackenbury grew plums in Wexcombe.", predicate="grow",
                      score=0.9, turn_id="t1", said_at=datetime(2026, 1, 1, tzinfo=UTC))
    store.save_profile(Profile(user=user, events=(event,)))
    assert "Writing" in say(ctx, user, "/about Ottoline Brackenbury")
    assert "queued" in say(ctx, user, "/story")
    q = queue(GENERATE, store.redis)
    assert q.count == 2
    assert not [p for p in rq_payloads(store.redis) if "Brackenbury" in p], "/about sits in RQ"
    failed = q.jobs[0]  # one of them failed, as a job does: kept a week in RQ's registry
    q.remove(failed)
    failed.set_status(JobStatus.FAILED)
    q.failed_job_registry.add(failed, ttl=7 * 24 * 3600, exc_string="boom")
    forget_user(store, user, ctx.settings)
    assert q.count == 0 and q.failed_job_registry.count == 0
    assert not [p for p in rq_payloads(store.redis) if user in p], "a job still names the user"
    assert not _traces(store.redis, user, b"Brackenbury")


def rq_payloads(client: redis.Redis) -> list[str]:
    """Every RQ job's function, arguments and description, decoded (RQ compresses them)."""
    out = []
    for key in client.scan_iter(match="rq:job:*"):
        job_id = key.decode().removeprefix("rq:job:")
        if ":" in job_id:  # a job's sub-key (its dependents, its results)
            continue
        job = Job.fetch(job_id, connection=client, serializer=JSONSerializer)
        out.append(json.dumps([job.func_name, job.args, job.kwargs, job.description]))
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_old_data_snapshot_restored_after_forget_opens_nothing(
    settings: Settings, client: redis.Redis, tmp_path: Path
) -> None:
    keys = RedisProc(tmp_path / "keystore", _free_port()).start()
    try:
        tuned = settings.model_copy(update={"storyloom_keystore_url": SecretStr(
            f"redis://127.0.0.1:{keys.port}/0")})
        store, user = Store.from_settings(tuned, client), "telegram:73"
        store.give_consent(user, "telegram")
        store.append_turn(_turn(user))
        assert [t.text for t in store.turns(user)] == [SECRET]
        # the data Redis' backup (an RDB or AOF copy), taken before /forget
        backup = {k: client.dump(k) for k in client.scan_iter(count=1000)}
        forget_user(store, user, tuned)
        for key, value in backup.items():  # restored, whole, after /forget
            client.restore(key, 0, value, replace=True)
        restored = Store.from_settings(tuned, client)  # a process started after the restore
        assert restored.turns(user) == [] and restored.get_consent(user) is None
        assert not [v for v in all_values(client) if b"Wilhelmina" in v]
        assert not list(keys.client().scan_iter(match="*data-key*")), "the key outlived /forget"
    finally:
        keys.stop()
