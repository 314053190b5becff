"""Adapters live sealed under their user's key in an adapter store every process reaches (a
real S3-compatible store here: SeaweedFS), are served on another pod than the one that
trained them, go everywhere with /forget (the vLLM server's copy too), and an adapter that
exists but cannot be had is said so, never silently replaced by the base model."""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from prometheus_client import REGISTRY
from pydantic import SecretStr

from tests.chat_harness import wait_until
from tests.fakes.vllm_server import FakeVllm
from tests.learning_support import private_copy, register_adapter
from tests.s3_proc import BUCKET, SeaweedS3
from worker.counsel.rights import forget_user
from worker.llm.adapters import adapter_name
from worker.ops import runner
from worker.ops.runtime import WorkerContext, install
from worker.settings import Settings

USER = "telegram:81"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs")).start()
    try:
        yield server
    finally:
        server.stop()


def pod(settings: Settings, s3: SeaweedS3, name: str) -> Settings:
    """One pod's settings: its own scratch data folder; the shared Redis and object store."""
    return settings.model_copy(update={
        "storyloom_data_dir": settings.storyloom_data_dir / name,
        "storyloom_master_key": SecretStr(base64.urlsafe_b64encode(b"k" * 32).decode()),
        "storyloom_adapter_store_url": f"s3://{BUCKET}/{settings.storyloom_key_prefix}",
        "storyloom_s3_endpoint": s3.endpoint,
        "storyloom_s3_access_key": SecretStr("storyloom"),
        "storyloom_s3_secret_key": SecretStr("storyloom")})


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_trained_on_one_pod_served_on_another_sealed_and_forgotten_everywhere(
    settings: Settings, client: redis.Redis, s3: SeaweedS3, language_model  # type: ignore[no-untyped-def]
) -> None:
    finetune = WorkerContext.build(pod(settings, s3, "finetune-pod"), client)
    serve = WorkerContext.build(pod(settings, s3, "serve-pod"), client)
    version = register_adapter(finetune.settings, finetune.store, language_model, USER)
    serve._model = language_model
    try:
        served = serve.model_for(USER)
        assert served.identity.endswith(f"+lora:{adapter_name(version.version_id)}"), \
            "the serving pod fell back to the base model"
    finally:
        serve.close()
    stored = s3.objects(settings.storyloom_key_prefix)
    assert len(stored) == 1, stored.keys()
    [sealed] = stored.values()
    assert b"safetensors" not in sealed and b"lora" not in sealed, "weights kept in the clear"
    assert not [p for p in _files(finetune.settings.storyloom_data_dir) if "adapter" in p.name]

    forget_user(serve.store, USER, serve.settings)  # /forget arrives at the serve pod
    assert s3.objects(settings.storyloom_key_prefix) == {}, "the trainer's copy survived"
    # a copy of the bucket taken before /forget (a backup, a versioned object) opens no more
    [(name, _)] = stored.items()
    s3.client().put_object(Bucket=BUCKET, Key=name, Body=sealed)
    with pytest.raises(LookupError), serve.store.adapter_files(USER, version.version_id):
        pass


def test_an_adapter_that_cannot_be_had_is_said_loudly(
    settings: Settings, client: redis.Redis, s3: SeaweedS3, caplog: pytest.LogCaptureFixture,
    language_model  # type: ignore[no-untyped-def]
) -> None:
    finetune = WorkerContext.build(pod(settings, s3, "finetune-pod"), client)
    serve = WorkerContext.build(pod(settings, s3, "serve-pod"), client)
    register_adapter(finetune.settings, finetune.store, language_model, USER)
    for name in s3.objects(settings.storyloom_key_prefix):  # the bucket lost it
        s3.client().delete_object(Bucket=BUCKET, Key=name)
    before = REGISTRY.get_sample_value("storyloom_adapter_unavailable_total",
                                       {"reason": "missing"}) or 0.0
    serve._model = language_model
    try:
        with caplog.at_level(logging.WARNING):
            served = serve.model_for(USER)
    finally:
        serve.close()
    assert "+lora" not in served.identity
    said = [r for r in caplog.records if r.levelno >= logging.WARNING and "adapter" in r.message]
    assert said, "the user's adapter was silently replaced by the base model"
    after = REGISTRY.get_sample_value("storyloom_adapter_unavailable_total",
                                      {"reason": "missing"})
    assert after == before + 1


def test_a_vllm_server_unloads_a_forgotten_users_adapter(
    ctx: WorkerContext, language_model  # type: ignore[no-untyped-def]
) -> None:
    from worker.llm.vllm import VllmBackend

    with FakeVllm(private_copy(language_model), "base") as vllm:
        # (the folder the server reads; where files were kept before adapters were sealed)
        stage = ctx.settings.storyloom_data_dir / "adapters"
        ctx.settings = ctx.settings.model_copy(update={
            "storyloom_backend": "vllm", "storyloom_vllm_url": vllm.url,
            "storyloom_vllm_model": "base", "storyloom_vllm_adapter_root": str(stage)})
        install(ctx)
        version = register_adapter(ctx.settings, ctx.store, vllm.lm, USER)
        backend = VllmBackend(ctx.settings)
        ctx._remote = (backend, language_model.tokenizer, language_model.context_length)
        name = backend.adapter_for(ctx.store, USER)
        assert name == adapter_name(version.version_id) and name in vllm.pool.loaded
        stop = threading.Event()
        watch = getattr(runner, "watch_dropped_adapters", None)  # the generate worker's thread
        if watch is not None:
            threading.Thread(target=watch, args=(ctx, stop, 200), daemon=True).start()
        try:
            forget_user(ctx.store, USER, ctx.settings)
            try:
                wait_until(lambda: name not in vllm.pool.loaded, timeout=15)
            except TimeoutError:
                pytest.fail("the vLLM server still holds the forgotten user's adapter")
        finally:
            stop.set()
    assert vllm.models("/v1/unload_lora_adapter") == [name]
    assert not _files(stage), "the opened copy for the server outlived /forget"
