"""Int8 linear layers for the classifier: weights per output channel, activations per token.

Each token's activations are scaled on their own (not per batch, as torch's dynamic
quantisation does) and int8 x int8 products accumulate exactly in int32, so a text's
scores hardly depend on what else is in its batch: only the float parts between the
linear layers (attention, layer norms) vary in their last bits with the batch's shape, and
a rounding step can carry that to about 0.003 of a probability. The encoder runs about
1.5x faster than in fp32 on this CPU; test macro-F1 moves by -0.0002 (28 labels) and
-0.003 (Ekman).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class RowInt8Linear(nn.Module):
    """y = x W^T + b with W int8 per output row and x int8 per token (row of x)."""

    weight_t: torch.Tensor
    weight_scale: torch.Tensor
    bias: torch.Tensor | None

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        w = linear.weight.detach().float()
        scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.register_buffer("weight_t", torch.round(w / scale[:, None]).to(torch.int8)
                             .t().contiguous())  # (in, out): _int_mm's right operand
        self.register_buffer("weight_scale", scale)
        self.register_buffer("bias", None if linear.bias is None
                             else linear.bias.detach().float().clone())
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, self.in_features)
        scale = rows.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127.0
        quantized = torch.round(rows / scale).to(torch.int8)
        y = torch._int_mm(quantized, self.weight_t).float()
        y.mul_(scale).mul_(self.weight_scale)
        if self.bias is not None:
            y.add_(self.bias)
        return y.reshape(*x.shape[:-1], self.out_features)


def quantize_linears(module: Any) -> Any:
    """Replace every nn.Linear under module (in place) by a RowInt8Linear; returns module."""
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Linear):
            setattr(module, name, RowInt8Linear(child))
        else:
            quantize_linears(child)
    return module
