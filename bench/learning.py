"""The learning rows of `storyloom bench`.

adapters: one batch of 8 requests through 8 different LoRA adapters, against the same batch
on one adapter and 8 sequential requests that switch adapter (shared with
scripts/bench_learning.py, which serves a trained adapter and 7 variants of it).
users: two users' installments (4 sampled drafts each, each user through their own adapter)
drafted in one batch, as the generate worker's job slots share batches, against one after
the other.
lora: the FLOP/s of LoRA fine-tune steps against the FLOP/s of plain matrix products on
the same device, in the same run.
"""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.model import Row, best_of, sync

PROMPTS = ["Tell me about the house where you grew up.", "What was your father like?",
           "How did you meet your husband?", "Describe your wedding day.",
           "What do you remember about the winter of 1963?", "Tell me about your first job.",
           "What was the hardest year of your life?", "What do you do on Tuesdays now?"]


def serving(lm: Any, adapter_dirs: list[Path], tokens: int, repeat: int) -> dict[str, Any]:
    """tokens/s: 8 adapters in one batch, vs one adapter, vs 8 sequential switching requests."""
    from worker.llm.adapters import AdapterPool

    pool = AdapterPool(lm, capacity=len(adapter_dirs))
    names = [f"a{i}" for i in range(len(adapter_dirs))]
    for name, path in zip(names, adapter_dirs, strict=True):
        pool.load(name, path)
    prompts = [lm.encode_chat([{"role": "user", "content": p}]) for p in PROMPTS]
    n = len(prompts)
    mixed = best_of(repeat, lambda: pool.generate_mixed(prompts, names[:n], tokens))
    one = best_of(repeat, lambda: _one_adapter(pool, prompts, names[0], tokens))

    def sequential() -> None:
        for i, p in enumerate(prompts):  # each request switches to the next adapter
            _one_adapter(pool, [p], names[i], tokens)

    seq = best_of(repeat, sequential)
    rate = {k: round(n * tokens / v, 2) for k, v in
            (("mixed", mixed), ("one_adapter", one), ("sequential", seq))}
    return {"tokens_per_s_mixed": rate["mixed"], "tokens_per_s_one_adapter": rate["one_adapter"],
            "tokens_per_s_sequential": rate["sequential"],
            "mixed_vs_one_adapter": round(rate["mixed"] / rate["one_adapter"], 3),
            "mixed_vs_sequential": round(rate["mixed"] / rate["sequential"], 3),
            "batch": n, "new_tokens": tokens, "adapter_loads": pool.loads}


def _one_adapter(pool: Any, prompts: list[list[int]], name: str, tokens: int) -> None:
    """The plain path: one adapter active, no per-row routing."""
    import torch

    with pool.use(name) as lm:
        ids, mask = pool._batch(prompts)
        with torch.inference_mode():
            lm.model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                              max_new_tokens=tokens, min_new_tokens=tokens,
                              pad_token_id=lm.tokenizer.pad_token_id)




def row_users(lm: Any, tokens: int, repeat: int) -> Row:
    """Two users' drafts in one batch vs one user's batch after the other's."""
    from worker.llm import batch
    from worker.llm.adapters import AdapterPool
    from worker.llm.model import LanguageModel

    own = LanguageModel(copy.deepcopy(lm.model), lm.tokenizer, lm.identity, lm.device)
    with tempfile.TemporaryDirectory() as tmp:
        pool = AdapterPool(own, capacity=2)
        for name, path in zip(("a0", "a1"), random_adapters(own, Path(tmp), 2), strict=True):
            pool.load(name, path)
        prompts = [own.story_prompt([{"role": "user", "content": p}], "", tokens)
                   for p in PROMPTS[:2]]
        sampling = batch.Sampling(tokens, temperature=0.8, top_p=0.9)
        pad = own.tokenizer.pad_token_id

        def ask(i: int) -> batch.Request:  # the same seeds both ways: the same drafts
            return batch.Request(prompts[i], rows=4, seed=i, adapter=f"a{i}")

        together = best_of(repeat, lambda: batch.generate(
            own.model, pad, [ask(0), ask(1)], sampling, pool.routing))
        apart = best_of(repeat, lambda: [batch.generate(own.model, pad, [ask(i)], sampling,
                                                        pool.routing) for i in (0, 1)])
    rows = 8 * tokens
    return Row("2 users' drafts in one batch vs one after the other", apart / together,
               f"{rows / together:.1f} vs {rows / apart:.1f} tok/s",
               f"{lm.device}, 2 users x 4 sampled drafts, {tokens} tokens, each user's own "
               f"rank-8 adapter (gathered LoRA), prompts encoded once per user")


def random_adapters(lm: Any, folder: Path, count: int) -> list[Path]:
    """count untrained adapters with random B matrices (rank 8 on every linear layer)."""
    import torch
    from peft import LoraConfig, get_peft_model

    modules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    paths = []
    for i in range(count):
        torch.manual_seed(i)
        config = LoraConfig(r=8, lora_alpha=16, target_modules=modules, init_lora_weights=False,
                            task_type="CAUSAL_LM")
        get_peft_model(copy.deepcopy(lm.model), config).save_pretrained(str(folder / f"a{i}"))
        paths.append(folder / f"a{i}")
    return paths


def row_adapters(lm: Any, tokens: int, repeat: int) -> Row:
    """Mixed-adapter batch tokens/s against one adapter (and sequential switching)."""
    from worker.llm.model import LanguageModel

    own = LanguageModel(copy.deepcopy(lm.model), lm.tokenizer, lm.identity, lm.device)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        r = serving(own, random_adapters(own, Path(tmp), len(PROMPTS)), tokens, repeat)
    return Row("8 adapters in one batch vs one adapter", r["mixed_vs_one_adapter"],
               f"{r['tokens_per_s_mixed']} vs {r['tokens_per_s_one_adapter']} tok/s",
               f"batch 8, {tokens} greedy tokens, rank-8 LoRA on all linear layers; "
               f"{r['mixed_vs_sequential']}x 8 sequential switching requests "
               f"({r['tokens_per_s_sequential']} tok/s); {time.perf_counter() - started:.0f}s")


def matmul_flops(device: str, size: tuple[int, int, int], repeat: int) -> float:
    """FLOP/s of one fp32 (m, k) x (k, n) product on the device, best of repeat."""
    import torch

    m, k, n = size
    a, b = torch.randn(m, k, device=device), torch.randn(k, n, device=device)

    def run() -> None:
        for _ in range(10):
            torch.mm(a, b)
        sync(device)

    run()
    return 10 * 2 * m * k * n / best_of(repeat, run)


def step_flops(model: Any, batch: dict[str, Any]) -> int:
    """FLOPs of one training step's forward and backward, counted by torch's FlopCounterMode."""
    from torch.utils.flop_counter import FlopCounterMode

    from worker.training.evaluate import batch_nll

    with FlopCounterMode(display=False) as counter:
        nll, count = batch_nll(model, batch)
        (nll / max(count, 1)).backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def row_lora(lm: Any, settings: Any, repeat: int, seq_len: int = 256) -> Row:
    """LoRA fine-tune steps (the training loop's forward, backward, AdamW) vs matmul FLOP/s."""
    import torch

    from worker.training.config import train_config
    from worker.training.evaluate import batch_nll, collate, encode_text
    from worker.training.train import prepare

    config = train_config(settings)
    model = prepare(lm, config, None)
    model.train()
    text = " ".join(PROMPTS) * 40  # ordinary prose, cut into full windows of seq_len tokens
    seqs = encode_text(lm, text, window=seq_len)[:config.batch_size]
    batch = collate(seqs, lm.tokenizer.pad_token_id, lm.device)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=config.learning_rate, weight_decay=config.weight_decay)
    flops = step_flops(model, batch)

    def step() -> None:
        nll, count = batch_nll(model, batch)
        (nll / max(count, 1)).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        sync(lm.device)

    step()
    seconds = best_of(repeat, step)
    hidden = lm.model.config.hidden_size
    size = (len(seqs) * seq_len, hidden, lm.model.config.intermediate_size)
    peak = matmul_flops(lm.device, size, repeat)
    train_rate = flops / seconds
    return Row("LoRA fine-tune vs matmul FLOP/s", train_rate / peak,
               f"{train_rate / 1e9:.1f} vs {peak / 1e9:.1f} GFLOP/s",
               f"{lm.device}, rank {config.rank} on {','.join(config.target_modules)}, batch "
               f"{len(seqs)}x{seq_len} tokens, {flops / 1e9:.0f} GFLOP/step counted by torch, "
               f"{seconds:.2f}s/step; matmul {size[0]}x{size[1]}x{size[2]} fp32")

