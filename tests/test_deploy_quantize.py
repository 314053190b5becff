"""Quantized serving: int8 on the CPU loads, writes and keeps sense; bad choices say why."""

from __future__ import annotations

import pytest

from tests.conftest import MODEL_CACHE
from worker.llm.model import LanguageModel
from worker.llm.quantize import QuantizationUnavailable, check
from worker.settings import Settings

TEXT = ("My grandmother Maria taught me to bake bread in her small kitchen in Lisbon. "
        "Every Sunday the whole street smelled of it.")


def test_int8_model_generates_and_keeps_the_models_sense(language_model) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None, storyloom_cache_dir=MODEL_CACHE,  # type: ignore[call-arg]
                        storyloom_device="cpu", storyloom_quantize="int8")
    q = LanguageModel.load(settings)
    assert q.identity == language_model.identity + "+int8", "provenance names the precision"
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

    modules = list(q.model.modules())
    assert any(isinstance(m, DynamicQuantizedLinear) for m in modules)
    assert not any(type(m) is torch.nn.Linear for m in modules), "every Linear is int8"
    out = q.generate([{"role": "user", "content": "Tell me about bread."}], max_new_tokens=12,
                     temperature=0.8, top_p=0.9, seed=3)
    assert out.texts[0].strip() and 0 < out.stats.new_tokens <= 12
    [fp] = language_model.perplexity([TEXT])
    [int8] = q.perplexity([TEXT])
    # int8 costs this small model real quality (about 3x perplexity, docs/benchmarks.md);
    # a broken quantization would be near-uniform over the 49k vocabulary
    assert fp < int8 < 10 * fp, (int8, fp)


@pytest.mark.parametrize(("mode", "device", "why"), [
    ("int8", "cuda", "CPU only"),
    ("bnb4", "cpu", "needs a CUDA device"),
    ("fp4", "cpu", "must be one of"),
])
def test_a_precision_that_cannot_run_says_why(mode: str, device: str, why: str) -> None:
    with pytest.raises(QuantizationUnavailable, match=why):
        check(mode, device)
