"""A group story is never written through a member's private adapter: weaves go through the
model thread with no adapter, so a weave is the same whatever adapters the worker holds."""

from __future__ import annotations

from pathlib import Path

from tests.learning_support import private_copy, random_adapter
from worker.community.records import Contribution, WeaveRequest
from worker.community.stories import start_story
from worker.community.weave import weave_installment
from worker.ops.runtime import WorkerContext

WROTE = (("discord:1", "Alice", "The keeper found a glass bottle on the rocks."),
         ("discord:2", "Bob", "Inside was a map drawn in blue ink."))


def _woven(ctx: WorkerContext, story: str) -> str:
    start_story(ctx.store, story=story, title="The Lighthouse", platform="discord",
                channel_id=story, started_by="discord:1")
    for author, name, text in WROTE:
        ctx.store.add_contribution(Contribution(story=story, author=author, name=name, text=text))
    weave_installment(WeaveRequest(story=story).model_dump_json())
    [weave] = ctx.store.weaves(story)
    return weave.text


def test_a_weave_is_the_same_with_and_without_users_adapters_loaded(
    ctx: WorkerContext, tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    ctx._model = private_copy(language_model)
    ctx.settings = ctx.settings.model_copy(update={"storyloom_max_new_tokens": 24})
    try:
        plain = _woven(ctx, "discord-thread:1")
        # an installment of one member was just written through their private adapter
        pool = ctx.adapters()
        pool.load("vmember", random_adapter(ctx._model, tmp_path / "member", seed=3))
        assert pool.loaded == ["vmember"]
        again = _woven(ctx, "discord-thread:2")
    finally:
        ctx.close()
    assert plain and again == plain, "the weave was written through a member's adapter"
