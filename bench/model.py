"""Benchmark rows about the language model: batching, the bandwidth ceiling, int8.

Every row times its two sides in the same run, on the same loaded model, with
greedy decoding forced to a fixed length (min_new_tokens) so both sides do the
same work. Each timing is the best of ``repeat`` runs (the least disturbed one
on a shared machine).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PROMPT = [{"role": "user", "content": "Write a short, warm story about my grandmother Maria, "
           "who taught me to bake bread in Lisbon in 1998."}]
# texts for the perplexity comparison: plain first-person life-story prose
PPL_TEXTS = [
    "My grandmother Maria taught me to bake bread in her small kitchen in Lisbon. "
    "Every Sunday the whole street smelled of it, and I was proud to carry the loaves home.",
    "In 1998 we moved to a flat near the river. My brother Tom and I shared a room, and at "
    "night we listened to the boats and talked about the places we would go.",
    "When I graduated from nursing school my father cried, which I had never seen before. "
    "He said my mother would have been so happy, and we walked home in the rain.",
]


@dataclass(frozen=True)
class Row:
    """One line of the benchmark table: a ratio of two sides measured in this run."""

    name: str
    ratio: float | None
    measured: str
    conditions: str
    pending: str | None = None
    machine: str = ""  # where it ran: CPU model, cores, ISA flags, torch, threads (bench.suite)


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """Fewest wall seconds of work over repeat runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def decode_seconds(lm: Any, batch: int, new_tokens: int, repeat: int) -> float:
    """Wall seconds of one greedy generate call of exactly new_tokens for batch rows."""
    import torch

    ids = lm.encode_chat(PROMPT)
    x = torch.tensor([ids] * batch, device=lm.device)

    def run() -> None:
        with torch.inference_mode():
            lm.model.generate(input_ids=x, attention_mask=torch.ones_like(x), do_sample=False,
                              max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                              pad_token_id=lm.tokenizer.pad_token_id)
        sync(lm.device)

    run()  # warm-up
    return best_of(repeat, run)


def per_token_seconds(lm: Any, new_tokens: int, repeat: int) -> float:
    """Batch-1 decode time per token, prefill excluded (N+1 tokens minus 1 token)."""
    return (decode_seconds(lm, 1, new_tokens + 1, repeat)
            - decode_seconds(lm, 1, 1, repeat)) / new_tokens


def weight_bytes(model: Any) -> int:
    """Bytes of the distinct weight tensors (tied embeddings counted once)."""
    seen: dict[int, int] = {}
    for tensor in list(model.parameters()) + list(model.buffers()):
        seen[tensor.data_ptr()] = tensor.numel() * tensor.element_size()
    return sum(seen.values())


def copy_bandwidth(device: str, mbytes: int, repeat: int) -> float:
    """Bytes/s moved by a large tensor copy (read + write counted), on device."""
    import torch

    n = mbytes * 2**20 // 4
    src = torch.randn(n, device=device)
    dst = torch.empty_like(src)

    def run() -> None:
        dst.copy_(src)
        sync(device)

    run()
    return 2 * n * 4 / best_of(repeat, run)


def row_batched(lm: Any, batch: int, new_tokens: int, repeat: int) -> Row:
    """Batched generation against the same number of sequences one at a time."""
    one = decode_seconds(lm, 1, new_tokens, repeat)
    many = decode_seconds(lm, batch, new_tokens, repeat)
    seq_rate, batch_rate = new_tokens / one, batch * new_tokens / many
    return Row(f"batched ({batch}) vs sequential generation", batch_rate / seq_rate,
               f"{batch_rate:.1f} vs {seq_rate:.1f} tok/s",
               f"{lm.device}, greedy, {new_tokens} new tokens, chat prompt")


def row_bandwidth(lm: Any, new_tokens: int, repeat: int) -> tuple[Row, float]:
    """Batch-1 decode against the memory-bandwidth ceiling; also returns s/token."""
    per_token = per_token_seconds(lm, new_tokens, repeat)
    weights = weight_bytes(lm.model)
    bandwidth = copy_bandwidth(lm.device, 512 if lm.device.startswith("cuda") else 256, repeat)
    ceiling = bandwidth / weights
    return Row("batch-1 decode vs bandwidth ceiling", (1 / per_token) / ceiling,
               f"{1 / per_token:.1f} vs {ceiling:.1f} tok/s",
               f"{lm.device}; {weights / 1e6:.0f} MB weights read per token; copy "
               f"bandwidth {bandwidth / 1e9:.1f} GB/s (read+write)"), per_token


def int8_rows(lm: Any, new_tokens: int, repeat: int, fp_per_token: float) -> list[Row]:
    """int8 (nlu.int8) against full precision: speed and perplexity."""
    from worker.llm.model import LanguageModel
    from worker.llm.quantize import after_load

    q = LanguageModel(after_load(copy.deepcopy(lm.model), "int8"), lm.tokenizer,
                      lm.identity + "+int8", lm.device)
    q_per_token = per_token_seconds(q, new_tokens, repeat)
    fp_ppl = _mean(lm.perplexity(PPL_TEXTS))
    q_ppl = _mean(q.perplexity(PPL_TEXTS))
    return [
        Row("int8 vs fp32 decode speed (CPU)", fp_per_token / q_per_token,
            f"{1 / q_per_token:.1f} vs {1 / fp_per_token:.1f} tok/s",
            f"int8 per-channel weights, per-token activations (nlu.int8), batch 1, "
            f"{new_tokens} tokens"),
        Row("int8 vs fp32 perplexity", q_ppl / fp_ppl, f"{q_ppl:.2f} vs {fp_ppl:.2f}",
            f"mean over {len(PPL_TEXTS)} life-story paragraphs (lower is better)"),
    ]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)
