"""Promotion only when better, rejected versions kept with their numbers, lineage, retraining
after a withdrawal, rollback, and deletion with the user."""

from __future__ import annotations

import json

from tests.learning_support import WRITING, small, store_turns
from worker.counsel.rights import adapter_dir, forget_user
from worker.ops.runtime import WorkerContext
from worker.training import registry
from worker.training.data import build_dataset
from worker.training.jobs import run_finetune
from worker.training.story_eval import PROBE_DRAFTS


def test_promote_reject_withdraw_rollback_forget(
    ctx: WorkerContext, language_model  # type: ignore[no-untyped-def]
) -> None:
    user, store, settings = "local:ada", ctx.store, small(ctx.settings)
    ids = store_turns(store, user)
    first = run_finetune(settings, store, language_model, user)
    assert first.status == "promoted", first.reason
    assert first.metrics.candidate < first.metrics.base and first.metrics.current is None
    assert store.current_adapter(user).version_id == first.version_id
    assert set(first.turn_ids) == set(ids) and first.parent is None
    with store.adapter_files(user, first.version_id) as folder:
        saved = json.loads((folder / registry.RECORD_FILE).read_text())
        assert saved["base_model"] == language_model.identity
        assert saved["config"]["rank"] == settings.storyloom_lora_rank
        assert (folder / "adapter_model.safetensors").exists()

    # a candidate that must beat the current adapter by 99% is kept, rejected, with numbers
    demanding = small(ctx.settings, storyloom_finetune_min_gain=0.99)
    second = run_finetune(demanding, store, language_model, user)
    assert second.status == "rejected" and second.parent == first.version_id
    assert second.metrics.current is not None and second.metrics.candidate > 0
    assert store.current_adapter(user).version_id == first.version_id
    assert [v.status for v in store.adapter_versions(user)] == ["promoted", "rejected"]

    # withdrawing a turn marks the adapters trained on it; the next data leaves it out
    marked = store.withhold_turns(user, [ids[0]], "withdrawn")
    assert set(marked) == {first.version_id, second.version_id}
    assert store.current_adapter(user).needs_retrain
    assert ids[0] not in build_dataset(store, user, 0.25).turn_ids
    assert WRITING[0] not in {e.text for e in build_dataset(store, user, 0.25).train}

    assert registry.rollback(store, user) is None  # the first promoted: back to the base
    assert store.current_adapter(user) is None
    assert store.get_adapter_version(user, first.version_id).status == "rolled_back"

    forget_user(store, user, settings)
    assert store.adapter_versions(user) == [] and not adapter_dir(settings, user).exists()


def test_a_candidate_that_writes_worse_stories_is_not_promoted(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    from worker.conversation.intake import receive_text
    from worker.conversation.nlu_worker import NluWorker

    user, store = "local:ada", ctx.store
    for text in WRITING:  # told in chat: the profile now holds people, places, events
        receive_text(store, ctx.settings, user=user, platform="local", chat_id=user, text=text)
    NluWorker(store, analyzer).run(burst=True, block_ms=100)
    lenient = small(ctx.settings, storyloom_finetune_story_tokens=24,
                    storyloom_finetune_story_margin=1.0)
    first = run_finetune(lenient, store, language_model, user)
    assert first.status == "promoted", first.reason
    for measured in (first.metrics.story_base, first.metrics.story_candidate):
        assert measured is not None and measured.drafts == PROBE_DRAFTS
        assert 0 <= measured.score <= 1 and 0 <= measured.faithfulness <= 1
    assert first.metrics.story_current is None and "story score" in first.reason

    # better perplexity is not enough: its stories must not score lower than the current's
    strict = small(ctx.settings, storyloom_finetune_story_tokens=24,
                   storyloom_finetune_story_margin=-1.0)
    second = run_finetune(strict, store, language_model, user)
    assert second.metrics.story_current is not None
    assert second.status == "rejected" and "story score" in second.reason, second.reason
    assert store.current_adapter(user).version_id == first.version_id
