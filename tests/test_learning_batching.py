"""Several users' installments drafted in one batch, each through their own adapter."""

from __future__ import annotations

from pathlib import Path

from tests.learning_support import private_copy, random_adapter, register_adapter
from worker.conversation.commands import CommandContext, dispatch
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.llm import batch
from worker.llm.adapters import AdapterPool
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext


def test_a_request_gets_the_same_drafts_alone_or_batched_with_another_user(
    tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    lm = private_copy(language_model)
    pool = AdapterPool(lm, capacity=2)
    pool.load("a", random_adapter(lm, tmp_path / "a", seed=3))
    shop = lm.story_prompt([{"role": "user", "content": "Tell me about Calder Street."}],
                           "The shop", 16)
    tom = lm.story_prompt([{"role": "user", "content": "Who was Tom from work? We met in "
                                                        "Lisbon in 1998."}], "", 16)
    sampling = batch.Sampling(max_new_tokens=16, temperature=0.8, top_p=0.9)
    pad = lm.tokenizer.pad_token_id

    def ask() -> list[batch.Request]:  # different prompt lengths: the shorter one is padded
        return [batch.Request(shop, rows=3, seed=11, adapter="a"),
                batch.Request(tom, rows=2, seed=12, adapter=None)]

    together, _ = batch.generate(lm.model, pad, ask(), sampling, pool.routing)
    alone = [batch.generate(lm.model, pad, [r], sampling, pool.routing)[0][0] for r in ask()]
    assert together == alone
    assert [len(rows) for rows in together] == [3, 2]
    # the seed is the request's own: another seed gives other drafts, the adapter matters too
    other = batch.Request(shop, rows=3, seed=99, adapter="a")
    assert batch.generate(lm.model, pad, [other], sampling, pool.routing)[0][0] != alone[0]
    base = batch.Request(shop, rows=3, seed=11, adapter=None)
    assert batch.generate(lm.model, pad, [base], sampling, pool.routing)[0][0] != alone[0]


def _told(ctx: WorkerContext, analyzer, user: str, texts: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    for text in texts:
        receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user,
                     text=text)
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)


def test_the_generate_worker_writes_two_users_stories_in_one_batch(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    ctx.settings = ctx.settings.model_copy(update={
        "storyloom_generate_slots": 2, "storyloom_batch_window_ms": 5000,
        "storyloom_max_new_tokens": 24, "storyloom_tone_retry": False})
    ctx._model = private_copy(language_model)
    version = register_adapter(ctx.settings, ctx.store, ctx._model, "local:ada")
    _told(ctx, analyzer, "local:ada", ("My uncle Jorge fixed boats in Faro.",
                                       "In 2005 he took me sailing for the first time."))
    _told(ctx, analyzer, "local:bo", ("My grandmother Maria ran a bakery in Porto.",
                                      "Every Sunday in 1990 I helped her bake bread."))
    commands = CommandContext(ctx.settings, ctx.store, ctx.store.redis)
    for user in ("local:ada", "local:bo"):
        assert dispatch(commands, user, "story", "").request_id
    assert run_generate_worker(ctx, burst=True)
    [ada] = ctx.store.installments("local:ada")
    [bo] = ctx.store.installments("local:bo")
    samples = ctx.settings.storyloom_rephrase_samples
    # rewordings are sampled a sentence at a time; the two users' samples shared a batch,
    # each row through its own user's weights (stats: the installment's last batch)
    assert min(ada.stats.batch_rows, bo.stats.batch_rows) >= samples
    assert max(ada.stats.batch_rows, bo.stats.batch_rows) == 2 * samples
    assert ada.stats.model.endswith(f"+lora:v{version.version_id}")
    assert "+lora" not in bo.stats.model
    assert ada.text and ("Maria" in bo.text or "Porto" in bo.text)  # (ada's adapter is noise)


def test_an_adapter_that_cannot_load_fails_only_its_own_request(
    tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    import threading

    from worker.llm.adapters import AdapterSource
    from worker.llm.batcher import Batcher, ServedModel

    lm = private_copy(language_model)
    good = random_adapter(lm, tmp_path / "good", seed=1)
    batcher = Batcher(AdapterPool(lm, capacity=4), window_s=10.0, max_rows=16, slots=2)
    outcome: dict[str, object] = {}

    def write(name: str, path: Path) -> None:
        model = ServedModel(batcher, AdapterSource(name, folder=path))
        try:
            outcome[name] = model.generate(PROMPT, max_new_tokens=6, temperature=0.8, top_p=0.9,
                                           seed=1, num_return_sequences=2)
        except Exception as exc:  # noqa: BLE001 - the test looks at which one failed
            outcome[name] = exc

    slots = [threading.Thread(target=write, args=("good", good)),
             threading.Thread(target=write, args=("gone", tmp_path / "deleted-with-its-user"))]
    for slot in slots:
        slot.start()
    for slot in slots:
        slot.join(timeout=120)
    batcher.close()
    assert isinstance(outcome["gone"], Exception)
    written = outcome["good"]
    assert not isinstance(written, Exception) and len(written.texts) == 2  # type: ignore[union-attr]
    assert written.stats.model.endswith("+lora:good")  # type: ignore[union-attr]


PROMPT = [{"role": "user", "content": "Tell me about the shop on Calder Street."}]
