"""Serving precision: full, int8 on the CPU (per-token activations), 8 or 4 bits on a GPU.

``STORYLOOM_QUANTIZE`` picks one. int8 replaces each ``nn.Linear`` (but an output
layer tied to the input embeddings) after loading with nlu.int8's RowInt8Linear:
weights int8 per output channel, activations int8 per token; it needs no extra package,
runs on the CPU only, and per-user LoRA adapters still load on top of it. Fine-tunes
always train in full precision (worker.training.config.training_settings).
bnb8 / bnb4 load the weights through bitsandbytes on a CUDA device, when that
package is installed. docs/benchmarks.md lists the speed and perplexity change
of each against full precision, measured by ``storyloom bench``.
"""

from __future__ import annotations

import importlib.util
from typing import Any

MODES = ("none", "int8", "bnb8", "bnb4")


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
