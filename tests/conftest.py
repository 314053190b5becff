"""Shared fixtures: a real Redis, the real spaCy pipeline, the real bundled model."""

from __future__ import annotations

import base64
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from worker.ops.connection import EmbeddedRedis
from worker.ops.runtime import WorkerContext, install
from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# The bundled model is converted once and shared by every test run.
MODEL_CACHE = Path(os.environ.get("STORYLOOM_TEST_CACHE", ROOT / ".cache" / "test"))
TEST_DB = int(os.environ.get("STORYLOOM_TEST_REDIS_DB", "13"))
# Test runs sharing one Redis each claim a database of their own (every test flushes
# its database): a claim is a key in db 0, which tests never flush.
CLAIM = "storyloom:test-claim:{db}"
TEST_MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LW9mLXRoaXJ0eS10d28tYnk"  # 32 bytes, urlsafe base64


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _claim_db(server: str) -> int | None:
    """A database no other live test run on this machine is using (TEST_DB first)."""
    me = f"{socket.gethostname()}:{os.getpid()}"
    registry = redis.Redis.from_url(f"{server}/0")
    try:
        for db in [TEST_DB, *(d for d in range(15, 0, -1) if d != TEST_DB)]:
            key = CLAIM.format(db=db)
            if registry.set(key, me, nx=True, ex=6 * 3600):
                return db
            host, _, pid = (registry.get(key) or b"").decode().partition(":")
            if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
                registry.set(key, me, ex=6 * 3600)  # its run died without letting go
                return db
        return None
    finally:
        registry.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release_db(server: str, db: int) -> None:
    registry = redis.Redis.from_url(f"{server}/0")
    registry.delete(CLAIM.format(db=db))
    registry.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: STORYLOOM_TEST_REDIS_URL, else 127.0.0.1:6379, else an embedded one."""
    if os.environ.get("STORYLOOM_TEST_REDIS_URL"):
        yield os.environ["STORYLOOM_TEST_REDIS_URL"]
        return
    server = "redis://127.0.0.1:6379"
    db = _claim_db(server) if _answers(f"{server}/0") else None
    if db is not None:
        try:
            yield f"{server}/{db}"
        finally:
            _release_db(server, db)
        return
    embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    embedded.start()
    try:
        yield embedded.url
    finally:
        embedded.stop()


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    """A clean Redis database for one test."""
    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture
def settings(redis_url: str, tmp_path: Path) -> Settings:
    """Settings for a test: the test Redis, a fresh key prefix, the shared model cache."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url=redis_url,
        storyloom_data_dir=tmp_path / "data",
        storyloom_cache_dir=MODEL_CACHE,
        storyloom_key_prefix=f"sltest-{uuid.uuid4().hex[:8]}",
        storyloom_max_new_tokens=64,
        storyloom_seed=1234,
        storyloom_nlu_wait_seconds=20,
        # an external Redis needs a configured master key (worker.store.crypto)
        storyloom_master_key=TEST_MASTER_KEY,
    )


@pytest.fixture(scope="session")
def analyzer():  # type: ignore[no-untyped-def]
    """The real NLU pipeline, loaded once."""
    from nlu.pipeline import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def language_model():  # type: ignore[no-untyped-def]
    """The bundled language model, converted and loaded once."""
    from worker.llm.model import LanguageModel

    return LanguageModel.load(Settings(_env_file=None, storyloom_cache_dir=MODEL_CACHE))  # type: ignore[call-arg]


@pytest.fixture
def ctx(settings: Settings, client: redis.Redis) -> WorkerContext:
    """A worker context over the test Redis, installed for in-process jobs."""
    context = WorkerContext.build(settings, client)
    install(context)
    return context


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for running the storyloom CLI as a subprocess with these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORYLOOM_", "REDIS_"))}
    env.update({
        "REDIS_URL": settings.redis_url_value() or "",
        "STORYLOOM_DATA_DIR": str(settings.storyloom_data_dir),
        "STORYLOOM_CACHE_DIR": str(settings.storyloom_cache_dir),
        "STORYLOOM_KEY_PREFIX": settings.storyloom_key_prefix,
        "STORYLOOM_MAX_NEW_TOKENS": str(settings.storyloom_max_new_tokens),
        "STORYLOOM_SEED": str(settings.storyloom_seed),
        "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)])),
    })
    if settings.storyloom_master_key is not None:
        env["STORYLOOM_MASTER_KEY"] = settings.storyloom_master_key.get_secret_value()
    elif settings.redis_url is not None:  # the key the test's own store uses, from its folder
        from worker.store.crypto import resolve_master_key

        env["STORYLOOM_MASTER_KEY"] = base64.urlsafe_b64encode(
            resolve_master_key(settings).key).decode()
    env.update(extra)
    return env
