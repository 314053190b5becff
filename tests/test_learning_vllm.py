"""The vLLM backend against a local stand-in server that speaks vLLM's OpenAI-compatible
routes, answered by the real bundled model with real adapters (tests/fakes/vllm_server.py)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from tests.fakes.vllm_server import FakeVllm
from tests.learning_support import private_copy, register_adapter
from worker.conversation.commands import CommandContext, dispatch
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.llm.adapters import AdapterPool, adapter_name
from worker.llm.vllm import VllmBackend, VllmError, VllmModel
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext
from worker.settings import Settings

BASE = "HuggingFaceTB/SmolLM2-135M-Instruct"
CHAT = [{"role": "user", "content": "Tell me about the shop on Calder Street."}]
ARGS = {"max_new_tokens": 8, "temperature": 0.8, "top_p": 0.9}


@pytest.fixture
def vllm(language_model) -> Iterator[FakeVllm]:  # type: ignore[no-untyped-def]
    with FakeVllm(private_copy(language_model), BASE) as server:
        yield server


def _settings(ctx: WorkerContext, server: FakeVllm) -> Settings:
    return ctx.settings.model_copy(update={
        "storyloom_backend": "vllm", "storyloom_vllm_url": server.url,
        "storyloom_vllm_model": BASE,
        "storyloom_vllm_adapter_root": str(ctx.settings.storyloom_data_dir / "vllm-adapters")})


def test_each_user_is_served_through_their_adapter_loaded_once(
    ctx: WorkerContext, vllm: FakeVllm
) -> None:
    settings = _settings(ctx, vllm)
    version = register_adapter(settings, ctx.store, vllm.lm, "local:ada")
    name = adapter_name(version.version_id)
    backend = VllmBackend(settings)
    ada = backend.generate_for_user(ctx.store, "local:ada", CHAT, n=2, seed=5, **ARGS)
    assert len(ada) == 2 and all(ada)
    backend.generate_for_user(ctx.store, "local:ada", CHAT, seed=5, **ARGS)
    assert vllm.models("/v1/load_lora_adapter") == [name]  # loaded once, then reused
    bob = backend.generate_for_user(ctx.store, "local:bob", CHAT, n=2, seed=5, **ARGS)
    assert vllm.models("/v1/chat/completions") == [name, name, BASE]
    assert bob != ada  # same seed, other weights
    # another worker that loaded it first: the server's "already loaded" is not an error
    assert VllmBackend(settings).generate_for_user(ctx.store, "local:ada", CHAT, **ARGS)
    with pytest.raises(VllmError):
        backend.generate(CHAT, "vnever-loaded", **ARGS)


def test_perplexity_through_the_server_matches_the_local_model(
    ctx: WorkerContext, vllm: FakeVllm, language_model  # type: ignore[no-untyped-def]
) -> None:
    settings = _settings(ctx, vllm)
    version = register_adapter(settings, ctx.store, vllm.lm, "local:ada")
    backend = VllmBackend(settings)
    remote = VllmModel(backend, language_model.tokenizer, language_model.context_length,
                       backend.adapter_for(ctx.store, "local:ada"))
    texts = ["The shop smelled of oranges and sawdust.", "", "We walked home in the rain."]
    far = remote.perplexity(texts, CHAT)
    local = private_copy(language_model)
    pool = AdapterPool(local, capacity=1)
    with ctx.store.adapter_files("local:ada", version.version_id) as folder, pool.use(
            adapter_name(version.version_id), folder) as lm:
        near = lm.perplexity(texts, CHAT)
    assert math.isnan(far[1]) and math.isnan(near[1])
    for a, b in ((far[0], near[0]), (far[2], near[2])):
        assert a == pytest.approx(b, rel=1e-3)
    assert remote.identity == f"{BASE}+lora:{adapter_name(version.version_id)}"


def test_the_story_engine_writes_through_the_server_with_the_users_adapter(
    ctx: WorkerContext, vllm: FakeVllm, analyzer  # type: ignore[no-untyped-def]
) -> None:
    ctx.settings = _settings(ctx, vllm).model_copy(update={"storyloom_max_new_tokens": 32})
    version = register_adapter(ctx.settings, ctx.store, vllm.lm, "local:ada")
    for text in ("My uncle Jorge fixed boats in Faro.",
                 "In 2005 he took me sailing for the first time."):
        receive_text(ctx.store, ctx.settings, user="local:ada", platform="local",
                     chat_id="local:ada", text=text)
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)
    dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), "local:ada", "story", "")
    assert run_generate_worker(ctx, burst=True)
    assert ctx._model is None  # no weights in the worker: only the tokenizer
    [installment] = ctx.store.installments("local:ada")
    name = adapter_name(version.version_id)
    assert installment.stats.model == f"{BASE}+lora:{name}"
    drafts_asked = ctx.settings.storyloom_drafts
    assert installment.text and installment.drafts in (drafts_asked, 2 * drafts_asked)
    assert installment.stats.new_tokens > 0
    drafts = [c for c in vllm.calls if c.path == "/v1/completions" and not c.body.get("echo")]
    assert drafts and all(c.model == name and c.body["n"] == ctx.settings.storyloom_drafts
                          for c in drafts)
    scored = [c for c in vllm.calls if c.body.get("echo")]  # the reranker's perplexity
    assert scored and all(c.model == name for c in scored)
    assert math.isfinite(installment.scores.perplexity)
