"""Serving precision: full, int8 on the CPU (per-token activations), 8 or 4 bits on a GPU.

``STORYLOOM_QUANTIZE`` picks one; ``auto`` times int8 against full precision on the CPU
at load (nlu.precision) and keeps the faster, since int8 is 1.35x faster here and far
slower on a CPU without VNNI (issue 18); on a GPU auto is full precision. int8 replaces
each ``nn.Linear`` (but an output layer tied to the input embeddings) after loading with
nlu.int8's RowInt8Linear:
weights int8 per output channel, activations int8 per token; it needs no extra package,
runs on the CPU only, and per-user LoRA adapters still load on top of it. Fine-tunes
always train in full precision (worker.training.config.training_settings).
bnb8 / bnb4 load the weights through bitsandbytes on a CUDA device, when that
package is installed. docs/benchmarks.md lists the speed and perplexity change
of each against full precision, measured by ``storyloom bench``.
"""

from __future__ import annotations

import copy
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlu.precision import Choice

MODES = ("none", "int8", "auto", "bnb8", "bnb4")
# The probe: one forward of 4 tokens, the rows a decode step multiplies at batch 1 to 4.
PROBE_TOKENS = 4


class QuantizationUnavailable(RuntimeError):
    """The chosen precision cannot run here (wrong device or missing package)."""


def check(mode: str, device: str) -> None:
    """Raise QuantizationUnavailable with the reason when mode cannot run on device."""
    if mode not in MODES:
        raise QuantizationUnavailable(f"STORYLOOM_QUANTIZE must be one of {', '.join(MODES)}")
    if mode == "int8" and device != "cpu":
        raise QuantizationUnavailable("int8 (per-token, torch._int_mm) runs on the CPU only")
    if mode in ("bnb8", "bnb4"):
        if not device.startswith("cuda"):
            raise QuantizationUnavailable(f"{mode} needs a CUDA device")
        if importlib.util.find_spec("bitsandbytes") is None:
            raise QuantizationUnavailable(f"{mode} needs bitsandbytes (pip install bitsandbytes)")


def load_kwargs(mode: str, device: str) -> dict[str, Any]:
    """Extra from_pretrained arguments for a precision chosen at load time."""
    check(mode, device)
    if mode not in ("bnb8", "bnb4"):
        return {}
    import torch
    from transformers import BitsAndBytesConfig

    config = (BitsAndBytesConfig(load_in_8bit=True) if mode == "bnb8" else BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16))
    return {"quantization_config": config, "device_map": {"": device}}


def after_load(model: Any, mode: str) -> Any:
    """The model in its serving precision (int8 is applied after loading)."""
    if mode != "int8":
        return model
    from nlu.int8 import quantize_linears

    # Per token, not torch.ao's per batch: on the bundled model perplexity +4%, not +200%
    # (docs/benchmarks.md). A tied output layer shares the embeddings' float weight.
    tied = model.get_input_embeddings()
    return quantize_linears(model, skip={id(tied.weight)} if tied is not None else set())


def serving(model: Any, mode: str, device: str) -> tuple[Any, str, Choice | None]:
    """(the model in its serving precision, the mode it runs in, why) for a loaded model.

    none and int8 are what they say; auto on the CPU probes both (nlu.precision.choose) and
    keeps the faster, on a GPU it is none. The Choice is None for bnb8/bnb4 (chosen at load).
    """
    from nlu.precision import Choice, choose, forced, timed

    if mode in ("bnb8", "bnb4") or (mode == "none" and device != "cpu"):
        return model, mode, None  # bf16 or bitsandbytes on a GPU: not an int8/fp32 question
    if mode != "auto":
        return after_load(model, mode), mode, forced("int8" if mode == "int8" else "fp32")
    if device != "cpu":
        return model, "none", Choice("fp32", "auto", reason=f"int8 is a CPU path; on {device}")
    import torch

    ids = torch.arange(100, 100 + PROBE_TOKENS, device=device)[None]
    models = {"fp32": model}

    def probe(precision: str) -> float:
        if precision not in models:  # built inside the probe: a failure falls back to fp32
            models[precision] = after_load(copy.deepcopy(model), "int8")
        with torch.inference_mode():
            return timed(lambda: models[precision](input_ids=ids))

    choice = choose("auto", probe)
    chosen = choice.precision
    return models.get(chosen, model), "int8" if chosen == "int8" else "none", choice
