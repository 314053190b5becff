"""One batch, a different LoRA adapter on every row, in two batched products per layer.

peft's mixed batches (``adapter_names``) loop over the adapters in every LoRA layer: each
adapter's rows are picked out, run through its own small matrices and put back, so a
batch of 8 users costs 8 small products, 8 gathers and 8 scatters per layer per token.
Here each layer's A and B matrices of the adapters in the batch are stacked once per
call (zeros for a row without an adapter, ranks padded with zeros, the scale folded into
B) and picked per row, and the layer adds ``bmm(bmm(x, A[row]), B[row])`` to the base
layer's output: the same two products however many adapters share the batch. The result
is what each row's adapter gives alone, up to float rounding.

Plain LoRA on linear layers only: an adapter with a variant (DoRA and the like) or a
bias on B is served by peft's own path (:func:`supported` says which).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any


def lora_layers(peft_model: Any) -> list[Any]:
    """The peft LoRA linear layers of a model."""
    from peft.tuners.lora.layer import Linear

    return [m for m in peft_model.modules() if isinstance(m, Linear)]


def supported(peft_model: Any, names: Sequence[str]) -> bool:
    """True when every named adapter is plain LoRA on linear layers (no variant, no bias)."""
    from peft.tuners.lora.layer import Linear, LoraLayer

    for module in peft_model.modules():
        if not isinstance(module, LoraLayer):
            continue
        for name in names:
            if name not in module.lora_A:
                continue
            if not isinstance(module, Linear) or name in getattr(module, "lora_variant", {}):
                return False
            if module.lora_B[name].bias is not None:
                return False
    return True


def stacked(module: Any, adapters: Sequence[str | None]) -> tuple[Any, Any]:
    """(A per row [batch, in, rank], B per row [batch, rank, out]) of one LoRA layer."""
    import torch

    base = module.base_layer
    present = [a for a in dict.fromkeys(adapters) if a is not None and a in module.lora_A]
    rank = max((module.lora_A[a].weight.shape[0] for a in present), default=1)
    weight = base.weight
    dtype = module.lora_A[present[0]].weight.dtype if present else torch.float32
    slots: dict[str | None, int] = {None: 0}
    a_stack = [torch.zeros(base.in_features, rank, dtype=dtype, device=weight.device)]
    b_stack = [torch.zeros(rank, base.out_features, dtype=dtype, device=weight.device)]
    for name in present:
        a = module.lora_A[name].weight.t()  # [in, r]
        b = module.lora_B[name].weight.t() * module.scaling[name]  # [r, out]
        pad = rank - a.shape[1]
        slots[name] = len(a_stack)
        a_stack.append(torch.nn.functional.pad(a, (0, pad)))
        b_stack.append(torch.nn.functional.pad(b, (0, 0, 0, pad)))
    index = torch.tensor([slots.get(a, 0) for a in adapters], device=weight.device)
    return torch.stack(a_stack)[index], torch.stack(b_stack)[index]


@contextmanager
def routed(peft_model: Any, adapters: Sequence[str | None]) -> Iterator[None]:
    """Within the block, row i of every forward pass goes through adapter i (None: base).

    The batch must keep its rows in this order for the whole block (greedy or sampled
    generation does; beam search would not).
    """
    import torch

    with ExitStack() as stack:
        stack.enter_context(torch.no_grad())
        stack.enter_context(peft_model.disable_adapter())  # the layers give base output only
        for module in lora_layers(peft_model):
            if not any(a is not None and a in module.lora_A for a in adapters):
                continue  # no adapter of this batch changes this layer
            a_rows, b_rows = stacked(module, adapters)

            def add_lora(mod: Any, args: tuple[Any, ...], out: Any,
                         a_rows: Any = a_rows, b_rows: Any = b_rows) -> Any:
                x = args[0]
                if x.shape[0] != a_rows.shape[0]:
                    raise RuntimeError(
                        f"batch of {x.shape[0]} rows routed for {a_rows.shape[0]} adapters")
                delta = torch.bmm(torch.bmm(x.to(a_rows.dtype), a_rows), b_rows)
                return out + delta.to(out.dtype)

            handle = module.register_forward_hook(add_lora)
            stack.callback(handle.remove)
        yield
