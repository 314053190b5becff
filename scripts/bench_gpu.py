"""GPU rows of the benchmark table: the exact script of the recorded H200 run.

    python3 scripts/bench_gpu.py        (needs only torch and transformers, and a CUDA GPU)

The bundled model's architecture (SmolLM2-135M: 30 layers, width 576, GQA 9/3
heads, tied 49k vocabulary) in bf16 with random weights: the checkpoint could
not be carried to the lent GPU machine, and decode speed does not depend on
the weights' values. Greedy decoding forced to 64 new tokens after a 40-token
prompt; each timing is the best of 3 after a warm-up. Prints one JSON object:
batched{B}_vs_seq = [batched tok/s, sequential tok/s, ratio]; batch-1 decode
tok/s against the ceiling copy bandwidth / weight bytes; a bf16 matmul rate.
The recorded run sent these same steps inline (one command of at most 2,000 characters).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import torch
from transformers import LlamaConfig, LlamaForCausalLM

N = 64  # new tokens per timed decode
PROMPT = 40
VOCAB = 49152


def best(work: Callable[[], object], repeat: int = 3) -> float:
    """Fewest seconds of work over repeat runs, after one warm-up."""
    work()
    times = []
    for _ in range(repeat):
        torch.cuda.synchronize()
        started = time.perf_counter()
        work()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    config = LlamaConfig(hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, vocab_size=VOCAB,
                         max_position_embeddings=8192, tie_word_embeddings=True,
                         rope_theta=1e5)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to("cuda", torch.bfloat16).eval()

    def decode(batch: int, new: int) -> float:
        x = torch.randint(0, VOCAB, (batch, PROMPT), device="cuda")

        def run() -> None:
            with torch.inference_mode():
                model.generate(input_ids=x, attention_mask=torch.ones_like(x), do_sample=False,
                               max_new_tokens=new, min_new_tokens=new, pad_token_id=0)
        return best(run)

    one = decode(1, N)
    out: dict[str, object] = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
                              "tokens": N}
    for batch in (16, 64, 256):
        t = decode(batch, N)
        out[f"batched{batch}_vs_seq"] = [round(batch * N / t, 1), round(N / one, 1),
                                         round(one * batch / t, 2)]
    per_token = (decode(1, N + 1) - decode(1, 1)) / N
    weights = sum({p.data_ptr(): p.numel() * p.element_size()
                   for p in model.parameters()}.values())
    n = 2**28
    src = torch.randn(n, device="cuda")
    dst = torch.empty_like(src)
    bandwidth = 2 * n * 4 / best(lambda: dst.copy_(src), 5)
    out.update(decode_tok_s=round(1 / per_token, 1), weight_mb=round(weights / 1e6, 1),
               copy_gb_s=round(bandwidth / 1e9), ceiling_tok_s=round(bandwidth / weights),
               decode_vs_ceiling=round((1 / per_token) / (bandwidth / weights), 4))
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    out["matmul_tflops"] = round(2 * 8192**3 / best(lambda: a @ a, 5) / 1e12)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
