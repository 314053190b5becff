"""Many users' adapters on one base model: LRU cache, mixed-adapter batches, the story's model."""

from __future__ import annotations

from pathlib import Path

from tests.learning_support import private_copy, random_adapter, register_adapter
from worker.llm import gathered
from worker.llm.adapters import AdapterPool
from worker.ops.runtime import WorkerContext

PROMPT = [{"role": "user", "content": "Tell me about the shop on Calder Street."}]


def test_a_mixed_batch_gives_each_row_what_its_adapter_gives_alone(
    tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    lm = private_copy(language_model)
    pool = AdapterPool(lm, capacity=4)
    paths = [random_adapter(lm, tmp_path / name, seed=i + 1) for i, name in enumerate("abc")]
    for name, path in zip("abc", paths, strict=True):
        pool.load(name, path)
    base_model = lm.model
    # one prompt for every row: no padding, so any difference is the adapter's doing
    prompt = lm.encode_chat(PROMPT)
    rows: list[str | None] = ["a", "b", "c", None]
    mixed = pool.generate_mixed([prompt] * 4, rows, max_new_tokens=12)
    alone = [greedy_alone(pool, prompt, name, 12) for name in rows]  # peft's own path
    assert mixed == alone
    assert gathered.supported(pool.peft, ["a", "b", "c"])  # so the batch took the bmm path
    assert len({tuple(r) for r in mixed}) == 4  # each adapter really changes the output
    with pool.use(None) as plain:
        assert plain.identity == lm.identity
    assert pool.loads == 3 and lm.model is base_model  # the base was never reloaded


def greedy_alone(pool: AdapterPool, prompt: list[int], name: str | None, tokens: int) -> list[int]:
    """One row through one adapter made active the plain peft way (set_adapter)."""
    import torch

    with pool.use(name) as lm, torch.inference_mode():
        ids = torch.tensor([prompt])
        out = lm.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                do_sample=False, max_new_tokens=tokens, min_new_tokens=tokens,
                                pad_token_id=lm.tokenizer.pad_token_id)
    return out[0, len(prompt):].tolist()


def test_adapters_of_different_ranks_share_a_batch_with_padded_prompts(
    tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    lm = private_copy(language_model)
    pool = AdapterPool(lm, capacity=4)
    r4 = random_adapter(lm, tmp_path / "r4", seed=5, rank=4)
    r8 = random_adapter(lm, tmp_path / "r8", seed=6, rank=8,
                        modules=("q_proj", "o_proj", "down_proj"))
    pool.load("r4", r4)
    pool.load("r8", r8)
    prompts = [lm.encode_chat([{"role": "user", "content": text}]) for text in
               ("Tell me about the shop on Calder Street.", "Who was Tom?", "Lisbon, 1998.")]
    rows: list[str | None] = ["r8", None, "r4"]
    mixed = pool.generate_mixed(prompts, rows, max_new_tokens=10)
    assert mixed == [greedy_alone(pool, p, n, 10) for p, n in zip(prompts, rows, strict=True)]


def test_the_cache_drops_the_least_recently_used_adapter(
    tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    lm = private_copy(language_model)
    pool = AdapterPool(lm, capacity=2)
    paths = {n: random_adapter(lm, tmp_path / n, seed=i) for i, n in enumerate("xyz")}
    pool.load("x", paths["x"])
    pool.load("y", paths["y"])
    with pool.use("x"):
        pass
    pool.load("z", paths["z"])
    assert pool.loaded == ["x", "z"]
    assert set(pool.peft.peft_config) == {"x", "z"}
    prompt = lm.encode_chat(PROMPT)
    again = pool.generate_mixed([prompt], ["x"], max_new_tokens=4)  # x is the newest now
    with pool.use("y", paths["y"]):  # dropped: loaded again from its folder, z goes
        pass
    assert pool.loads == 4 and pool.loaded == ["x", "y"]
    assert again and len(again[0]) == 4


def test_a_user_with_a_promoted_adapter_is_served_through_it(
    ctx: WorkerContext, language_model  # type: ignore[no-untyped-def]
) -> None:
    ctx._model = private_copy(language_model)
    version = register_adapter(ctx.settings, ctx.store, ctx._model, "local:ada")
    pool = ctx.adapters()
    with pool.for_user(ctx.settings, ctx.store, "local:ada") as lm:
        assert lm.identity.endswith(f"+lora:v{version.version_id}")
        with_adapter = lm.generate(PROMPT, max_new_tokens=8, temperature=1e-3, top_p=1, seed=1)
    with pool.for_user(ctx.settings, ctx.store, "local:bob") as lm:
        assert lm.identity == ctx._model.identity
        without = lm.generate(PROMPT, max_new_tokens=8, temperature=1e-3, top_p=1, seed=1)
    assert with_adapter.stats.model != without.stats.model
    assert with_adapter.texts != without.texts
