"""Redis Sentinel: storyloom follows a failover to the promoted replica and keeps its data."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import MODEL_CACHE
from tests.redis_procs import RedisProc
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.ops.connection import open_redis, parse_sentinels
from worker.settings import Settings
from worker.store.store import Store

MASTER, REPLICA, SENTINELS = 6392, 6393, (6394, 6395, 6396)
NAME = "storyloom"


def test_sentinel_list_parses() -> None:
    assert parse_sentinels("10.0.0.5:26379, s2:26380,s3") == [
        ("10.0.0.5", 26379), ("s2", 26380), ("s3", 26379)]
    with pytest.raises(ValueError):
        parse_sentinels(" , ")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[RedisProc]]:
    master = RedisProc(tmp_path / "m", MASTER, "--appendonly", "yes").start()
    replica = RedisProc(tmp_path / "r", REPLICA, "--appendonly", "yes",
                        "--replicaof", "127.0.0.1", str(MASTER)).start()
    sentinels = [RedisProc(tmp_path / f"s{p}", p, f"port {p}",
                           f"sentinel monitor {NAME} 127.0.0.1 {MASTER} 2",
                           f"sentinel down-after-milliseconds {NAME} 1000",
                           f"sentinel failover-timeout {NAME} 10000",
                           sentinel=True).start() for p in SENTINELS]
    procs = [master, replica, *sentinels]
    try:
        deadline = time.monotonic() + 30
        while not all(_sees_replica(s) for s in sentinels):
            assert time.monotonic() < deadline, "sentinels did not discover the replica"
            time.sleep(0.2)
        yield procs
    finally:
        for p in procs:
            p.kill()


def _sees_replica(sentinel: RedisProc) -> bool:
    try:
        return len(sentinel.client().sentinel_slaves(NAME)) == 1
    except redis.RedisError:
        return False


def _send(store: Store, settings: Settings, user: str, text: str, turn_id: str) -> None:
    """What an adapter does: retry the same turn id until Redis acknowledges it."""
    deadline = time.monotonic() + 60
    while True:
        try:
            receive_text(store, settings, user=user, platform="local", chat_id=user,
                         text=text, turn_id=turn_id)
            return
        except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
            assert time.monotonic() < deadline, "writes did not resume after failover"
            time.sleep(0.2)


def test_failover_keeps_acknowledged_turns_and_writes_resume(
    cluster: list[RedisProc], tmp_path: Path, analyzer  # type: ignore[no-untyped-def]
) -> None:
    master = cluster[0]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_sentinels=",".join(f"127.0.0.1:{p}" for p in SENTINELS),
        redis_sentinel_master=NAME, storyloom_data_dir=tmp_path / "data",
        storyloom_cache_dir=MODEL_CACHE, storyloom_key_prefix=f"slsent-{uuid.uuid4().hex[:6]}",
    )
    client, embedded = open_redis(settings)
    assert embedded is None
    store = Store.from_settings(settings, client)  # the workers use the same master key
    user, ids = "local:sentinel", [uuid.uuid4().hex for _ in range(10)]
    for i, turn_id in enumerate(ids[:5]):
        _send(store, settings, user, f"My friend Ana visited Porto in 199{i}.", turn_id)
    # acknowledged by the replica too, so the failover cannot lose them
    assert master.client().execute_command("WAIT", 1, 5000) == 1
    master.kill()
    for i, turn_id in enumerate(ids[5:]):
        _send(store, settings, user, f"We sailed to Madeira in 200{i}.", turn_id)
    promoted = cluster[2].client().execute_command("SENTINEL", "get-master-addr-by-name", NAME)
    assert int(promoted[1]) == REPLICA
    assert {t.turn_id for t in store.turns(user)} == set(ids)
    NluWorker(store, analyzer, lease_ms=5000).run(burst=True, block_ms=100)
    assert store.get_profile(user).turns_applied == len(ids)
    client.close()
