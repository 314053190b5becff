"""Int8 linear layers: weights per output channel, activations per token.

Each token's activations are scaled on their own (not per batch, as torch.ao's dynamic
quantisation does) and int8 x int8 products accumulate exactly in int32 (torch._int_mm),
so a text's result hardly depends on what else is in its batch: only the float parts
between the linear layers (attention, norms) vary in their last bits with the batch's
shape, which a rounding step can carry to about 0.003 of a probability. Per-token scales
also follow the outlier tokens of transformer activations, where one scale per batch
loses the small values.

Measured (docs/benchmarks.md): the emotion classifier's encoder about 1.5x faster on this
CPU, test macro-F1 -0.0002 (28 labels) and -0.003 (Ekman); the bundled language model's
perplexity +4% (torch.ao per-channel dynamic int8: +200%).

RowInt8Linear is an nn.Linear (its weight an int8, frozen parameter), so peft's LoRA wraps
it like any linear layer: per-user adapters run in fp32 on top of the int8 base.
It runs forward only (no gradient through the int8 product): train in full precision.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

import torch
from torch import nn


class RowInt8Linear(nn.Linear):
    """y = x W^T + b with W int8 per output row and x int8 per token (row of x)."""

    weight_scale: torch.Tensor

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__(linear.in_features, linear.out_features, bias=linear.bias is not None,
                         device="meta")
        w = linear.weight.detach().float()
        scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127.0
        self.weight = nn.Parameter(torch.round(w / scale[:, None]).to(torch.int8),
                                   requires_grad=False)
        self.register_buffer("weight_scale", scale)
        if linear.bias is not None:
            self.bias = nn.Parameter(linear.bias.detach().float().clone(), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, self.in_features).float()
        scale = rows.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127.0
        quantized = torch.round(rows / scale).to(torch.int8)
        y = torch._int_mm(quantized, self.weight.t()).float()
        y.mul_(scale).mul_(self.weight_scale)
        if self.bias is not None:
            y.add_(self.bias)
        return y.reshape(*x.shape[:-1], self.out_features).to(x.dtype)


def quantize_linears(module: Any, skip: Set[int] = frozenset()) -> Any:
    """Replace every nn.Linear under module, in place, by a RowInt8Linear; returns module.

    skip: ids of weight tensors to leave alone (an output layer tied to the input
    embeddings must keep sharing its float weight).
    """
    for name, child in list(module.named_children()):
        if type(child) is nn.Linear:
            if id(child.weight) not in skip:
                setattr(module, name, RowInt8Linear(child))
        else:
            quantize_linears(child, skip)
    return module
