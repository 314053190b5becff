"""Chaos: /forget while that user's fine-tune runs in another process. Afterwards nothing of
the forgotten user is left anywhere: no Redis key or value (data Redis and key store), no RQ
job, no adapter object in the S3 store, no file on either pod.

The fine-tune runs in a real `storyloom worker finetune --burst` process with its own data
folder (a pod of its own); /forget comes from this process (the serve pod) once the log
shows training under way. Counts are printed for the record."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from pydantic import SecretStr

from tests.conftest import cli_env
from tests.learning_support import WRITING, register_adapter, small, store_turns
from tests.redis_procs import RedisProc
from tests.s3_proc import BUCKET, SeaweedS3, free_ports
from tests.test_privacy_encryption import all_values_of
from tests.test_trust_erasure import rq_payloads
from worker.counsel.rights import forget_user
from worker.settings import Settings
from worker.store.store import Store
from worker.training.schedule import enqueue_finetune, finetune_job_id

USER = "telegram:91"
WORDS = (b"Margaret", b"Calder", b"sunflower")


def _env(settings: Settings, data_dir: Path, tmp: Path) -> dict[str, str]:
    learning = {name.upper(): str(getattr(settings, name)) for name in type(settings).model_fields
                if name.startswith(("storyloom_lora_", "storyloom_finetune_"))}
    secret = {name.upper(): getattr(settings, name).get_secret_value() for name in (
        "storyloom_master_key", "storyloom_keystore_url", "storyloom_s3_access_key",
        "storyloom_s3_secret_key")}
    return cli_env(settings, **learning, **secret, STORYLOOM_DATA_DIR=str(data_dir),
                   STORYLOOM_ADAPTER_STORE_URL=settings.storyloom_adapter_store_url or "",
                   STORYLOOM_S3_ENDPOINT=settings.storyloom_s3_endpoint or "",
                   OMP_NUM_THREADS="1", TMPDIR=str(tmp))


def _redis_traces(client: redis.Redis, wanted: tuple[bytes, ...]) -> list[bytes]:
    return [k for k in client.scan_iter(count=1000)
            if any(w in v for v in (k, *all_values_of(client, k)) for w in wanted)]


def _file_traces(folder: Path, wanted: tuple[bytes, ...]) -> list[Path]:
    return [p for p in folder.rglob("*") if (any(w in str(p).encode() for w in wanted)) or (
        p.is_file() and any(w in p.read_bytes() for w in wanted))]


@pytest.mark.timeout(900)
def test_forget_while_the_users_fine_tune_runs_leaves_nothing(
    settings: Settings, client: redis.Redis, tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    s3 = SeaweedS3(tmp_path / "s3").start()
    keys = RedisProc(tmp_path / "keystore", free_ports(1)[0]).start()
    finetune_pod, serve_pod, scratch = (tmp_path / n for n in ("finetune-pod", "serve-pod",
                                                                "finetune-tmp"))
    scratch.mkdir()
    try:
        tuned = small(settings, storyloom_finetune_story_tokens=0, storyloom_lora_epochs=4,
                      storyloom_job_retries=0).model_copy(update={
            "storyloom_data_dir": serve_pod,
            "storyloom_master_key": SecretStr(base64.urlsafe_b64encode(b"m" * 32).decode()),
            "storyloom_keystore_url": SecretStr(f"redis://127.0.0.1:{keys.port}/0"),
            "storyloom_adapter_store_url": f"s3://{BUCKET}/{settings.storyloom_key_prefix}",
            "storyloom_s3_endpoint": s3.endpoint,
            "storyloom_s3_access_key": SecretStr("storyloom"),
            "storyloom_s3_secret_key": SecretStr("storyloom")})
        store = Store.from_settings(tuned, client)
        store.give_consent(USER, "telegram")
        turns = store_turns(store, USER, WRITING * 2)
        register_adapter(tuned, store, language_model, USER)  # a version trained before
        assert enqueue_finetune(client, store, tuned, USER)
        prefix = f"{settings.storyloom_key_prefix}/{quote(USER, safe='')}/"
        before = {"turns": len(turns), "adapter objects": len(s3.objects(prefix)),
                  "keys naming the user": len(_redis_traces(client, (USER.encode(),)))}
        log = tmp_path / "finetune-worker.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "bot.cli.main", "worker", "finetune", "--burst"],
                env=_env(tuned, finetune_pod, scratch), stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 600
            while b"epoch 1: held-out loss" not in log.read_bytes():
                assert worker.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the fine-tune never started training"
                time.sleep(0.2)
            forget_user(store, USER, tuned)  # /forget, at the serve pod, mid-training
            worker.wait(timeout=600)
        wanted = (USER.encode(), finetune_job_id(USER).encode(), *WORDS)
        after = {"keys naming the user": _redis_traces(client, wanted),
                 "key store entries": [k for k in keys.client().scan_iter()
                                       if b"forgotten" not in k],
                 "jobs naming the user": [p for p in rq_payloads(client) if USER in p],
                 "adapter objects": list(s3.objects(prefix)),
                 "files": [*_file_traces(finetune_pod, wanted), *_file_traces(serve_pod, wanted)],
                 "scratch left": list(scratch.iterdir())}
        print(json.dumps({"before": before, "after": {k: len(v) for k, v in after.items()}}))
        assert not any(after.values()), after
        said = log.read_text()
        assert "was forgotten during their fine-tune" in said, said[-3000:]
    finally:
        keys.stop()
        s3.stop()
