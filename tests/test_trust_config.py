"""Fail closed: no master key with an external Redis, a Redis password, .env not overridden."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import yaml
from pydantic import SecretStr

from tests.conftest import ROOT, cli_env
from tests.redis_procs import redis_binary
from worker.ops.connection import open_redis
from worker.settings import Settings

DEPLOY = ROOT / "deploy"
PORT = 6398
# what a service connects to: ../.env decides, compose only fills in what it leaves empty
CONNECTIONS = ("REDIS_URL", "STORYLOOM_KEYSTORE_URL", "STORYLOOM_ADAPTER_STORE_URL",
               "STORYLOOM_S3_ENDPOINT")


def _storyloom(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = cli_env(settings, **env)
    environ.pop("STORYLOOM_MASTER_KEY", None)
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], env=environ,  # noqa: S603
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_an_external_redis_without_a_master_key_refuses_to_start(settings: Settings) -> None:
    refused = _storyloom(settings, "users", "list")
    assert refused.returncode == 2, "started with a per-machine key the next pod won't have"
    assert "STORYLOOM_MASTER_KEY" in refused.stderr
    assert not (settings.storyloom_data_dir / "master.key").exists(), "a key was generated"
    key = settings.storyloom_master_key
    assert key is not None
    started = _storyloom(settings, "users", "list", STORYLOOM_MASTER_KEY=key.get_secret_value())
    assert started.returncode == 0, started.stderr[-2000:]


def test_only_the_embedded_socket_in_the_data_folder_may_use_the_key_file(
    settings: Settings, tmp_path: Path
) -> None:
    from worker.store.crypto import MasterKeyRequired, require_master_key

    data = tmp_path / "data"
    inside = settings.model_copy(update={
        "storyloom_master_key": None, "storyloom_data_dir": data,
        "redis_url": SecretStr(f"unix://{data}/redis/redis.sock")})
    require_master_key(inside)  # the workers `storyloom chat` starts on its own Redis
    for url in (f"unix://{tmp_path}/elsewhere/redis.sock",
                f"unix://{data}/../shared.sock", "redis://127.0.0.1:6379/0"):
        outside = inside.model_copy(update={"redis_url": SecretStr(url)})
        with pytest.raises(MasterKeyRequired):
            require_master_key(outside)


def test_redis_password_opens_a_redis_that_requires_one(tmp_path: Path) -> None:
    proc = subprocess.Popen([redis_binary(), "--port", str(PORT), "--bind", "127.0.0.1",  # noqa: S603
                             "--dir", str(tmp_path), "--save", "", "--requirepass", "s3cret-pw"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not _answers(redis.Redis(port=PORT, password="s3cret-pw")):
            assert time.monotonic() < deadline and proc.poll() is None, "redis did not start"
            time.sleep(0.05)
        settings = Settings(_env_file=None, redis_url=f"redis://127.0.0.1:{PORT}/0",  # type: ignore[call-arg]
                            redis_password="s3cret-pw")
        client, _ = open_redis(settings)
        assert _answers(client), "REDIS_PASSWORD was not used"
    finally:
        proc.kill()
        proc.wait()


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_compose_redis_needs_a_password_and_env_is_not_overridden() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    for name in ("redis", "keystore"):
        svc = services[name]
        assert "--requirepass" in " ".join(svc["command"]), f"{name} takes anyone"
        assert svc["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?"), name
        assert "REDISCLI_AUTH" in " ".join(svc["healthcheck"]["test"]), name
    for name, svc in services.items():
        for key, value in (svc.get("environment") or {}).items():
            if key in CONNECTIONS:
                assert re.fullmatch(rf"\$\{{{key}:-[^}}]+\}}", str(value)), (
                    f"{name}: environment {key}={value} overrides .env")
            assert key != "STORYLOOM_MASTER_KEY", name
    data = {m.split(":")[0] for s in services.values() for m in s.get("volumes", [])
            if m.split(":")[1] == "/data" and s.get("command", [""])[0] == "storyloom"}
    vllm_mounts = {m.split(":")[0] for m in services["vllm"].get("volumes", [])}
    assert not (vllm_mounts & data), "the vLLM container mounts the data folder (master.key)"
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^REDIS_PASSWORD=$", example, re.M)
