"""Quantized serving: int8 on the CPU loads, writes and keeps sense; bad choices say why."""

from __future__ import annotations

import pytest

from tests.conftest import MODEL_CACHE
from worker.llm.model import LanguageModel
from worker.llm.quantize import QuantizationUnavailable, check
from worker.settings import Settings

TEXT = ("My grandmother Maria taught me to bake bread in her small kitchen in Lisbon. "
        "Every Sunday the whole street smelled of it.")


def test_int8_model_generates_and_keeps_the_models_sense(language_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, storyloom_cache_dir=MODEL_CACHE,  # type: ignore[call-arg]
                        storyloom_device="cpu", storyloom_quantize="int8")
    q = LanguageModel.load(settings)
    assert q.identity == language_model.identity + "+int8", "provenance names the precision"
    import torch

    from nlu.int8 import RowInt8Linear

    linears = [m for m in q.model.modules() if isinstance(m, torch.nn.Linear)]
    plain = [m for m in linears if not isinstance(m, RowInt8Linear)]
    assert len(linears) > 200 and plain == [q.model.get_output_embeddings()], (
        "every Linear is int8 but the output layer tied to the embeddings")
    out = q.generate([{"role": "user", "content": "Tell me about bread."}], max_new_tokens=12,
                     temperature=0.8, top_p=0.9, seed=3)
    assert out.texts[0].strip() and 0 < out.stats.new_tokens <= 12
    [fp] = language_model.perplexity([TEXT])
    [int8] = q.perplexity([TEXT])
    # activations scaled per token keep the small model's sense (about +4% perplexity,
    # docs/benchmarks.md; torch.ao's per-batch scales cost +200%)
    assert fp < int8 < 1.25 * fp, (int8, fp)


def test_a_users_adapter_serves_on_top_of_the_int8_model(language_model, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bench.learning import random_adapters
    from worker.llm.adapters import AdapterPool

    settings = Settings(_env_file=None, storyloom_cache_dir=MODEL_CACHE,  # type: ignore[call-arg]
                        storyloom_device="cpu", storyloom_quantize="int8")
    [path] = random_adapters(language_model, tmp_path, 1)
    pool = AdapterPool(LanguageModel.load(settings), capacity=2)
    prompt = [{"role": "user", "content": "Tell me about bread."}]
    with pool.use(None) as base:
        plain = base.generate(prompt, max_new_tokens=8, temperature=0.8, top_p=0.9,
                                  seed=3).texts[0]
    with pool.use("a0", path) as adapted:
        assert adapted.identity.endswith("+int8+lora:a0")
        text = adapted.generate(prompt, max_new_tokens=8, temperature=0.8, top_p=0.9,
                                  seed=3).texts[0]
    assert text.strip() and text != plain, "the adapter changes what the int8 model writes"


@pytest.mark.parametrize(("mode", "device", "why"), [
    ("int8", "cuda", "CPU only"),
    ("bnb4", "cpu", "needs a CUDA device"),
    ("fp4", "cpu", "must be one of"),
])
def test_a_precision_that_cannot_run_says_why(mode: str, device: str, why: str) -> None:
    with pytest.raises(QuantizationUnavailable, match=why):
        check(mode, device)


def test_auto_serves_the_precision_its_probe_measured_faster(
        caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from nlu.int8 import RowInt8Linear

    settings = Settings(_env_file=None, storyloom_cache_dir=MODEL_CACHE,  # type: ignore[call-arg]
                        storyloom_device="cpu", storyloom_quantize="auto")
    with caplog.at_level(logging.INFO, logger="worker.llm.model"):
        lm = LanguageModel.load(settings)
    choice = lm.precision
    assert choice is not None and choice.requested == "auto" and choice.speedup is not None
    int8 = choice.precision == "int8"
    assert int8 == (choice.speedup > 1.0), "the faster of the two measured"
    assert lm.identity.endswith("+int8") == int8, "provenance names what runs"
    assert any(isinstance(m, RowInt8Linear) for m in lm.model.modules()) == int8
    assert "x fp32's speed" in caplog.text, "the start-up log line says why"
    check("auto", "cuda")  # auto on a GPU is full precision, not an error
