"""A user's training data: their words, edits, kept installments and pairs, with lineage;
withheld (private, withdrawn) turns and what was told from them are left out."""

from __future__ import annotations

from tests.learning_support import store_turns
from worker.ops.runtime import WorkerContext
from worker.store.records import GenerationStats, Installment, PreferencePair, StoryFeedback
from worker.training.data import build_dataset

STATS = GenerationStats(model="m", prompt_tokens=1, new_tokens=1, seconds=1, tokens_per_s=1)


def _installment(ctx: WorkerContext, user: str, n: int, text: str,
                 turn_ids: tuple[str, ...]) -> Installment:
    inst = Installment(user=user, request_id=f"r{n}", number=n, text=text, tone="calm",
                       stats=STATS, turn_ids=turn_ids)
    ctx.store.save_installment(inst, None)
    return inst


def test_examples_carry_their_turns_and_leave_out_what_was_withheld(ctx: WorkerContext) -> None:
    user, store = "local:ada", ctx.store
    ids = store_turns(store, user, [
        "My sister Margaret and I shared a bedroom above the shop.",
        "Write to me at ada.lovelace@example.com or call 07700 900123 any time.",
        "This one is just between us: I never told Frank about the letter.",
        "I regret the day I left the Co-op offices for the surgery job.",
        "ok",
    ])
    kept = _installment(ctx, user, 1, "You shared a bedroom with Margaret.", (ids[0],))
    secret = _installment(ctx, user, 2, "You kept the letter from Frank.", (ids[2],))
    undone = _installment(ctx, user, 3, "You left the Co-op.", (ids[3],))
    store.withdraw_last(user, undone.installment_id)
    for inst in (kept, secret, undone):
        store.add_feedback(StoryFeedback(user=user, kind="kept", installment_id=inst.installment_id,
                                         request_id=inst.request_id, original=inst.text,
                                         turn_ids=inst.turn_ids))
    store.add_feedback(StoryFeedback(user=user, kind="edited", installment_id=kept.installment_id,
                                     request_id="r1", original=kept.text, turn_ids=(ids[0],),
                                     edited="Margaret and I shared the small back bedroom."))
    store.add_preference_pair(PreferencePair(user=user, source="retry", prompt=(), chosen="a",
                                             rejected="b", request_id="r1", turn_ids=(ids[0],),
                                             model="m"))
    store.add_preference_pair(PreferencePair(user=user, source="retry", prompt=(), chosen="c",
                                             rejected="d", request_id="r2", turn_ids=(ids[2],),
                                             model="m"))
    store.withhold_turns(user, [ids[2]], "private")
    store.withhold_turns(user, [ids[3]], "withdrawn")

    data = build_dataset(store, user, heldout=0.5)
    examples = data.train + data.heldout
    by_kind = {k: [e for e in examples if e.kind == k] for k in ("turn", "edit", "installment")}
    assert [e.source_id for e in by_kind["turn"]] == [ids[0], ids[1]]  # "ok" is too short
    assert all(e.turn_ids == (e.source_id,) for e in by_kind["turn"])
    assert [e.text for e in by_kind["edit"]] == ["Margaret and I shared the small back bedroom."]
    # kept and still in the story; the secret one is told from a private turn
    assert [e.source_id for e in by_kind["installment"]] == [kept.installment_id]
    assert [(p.text, p.rejected) for p in data.pairs] == [("a", "b")]
    everything = " ".join(e.text for e in examples + data.pairs)
    assert "letter" not in everything and "Co-op" not in everything
    assert "example.com" not in everything and "900123" not in everything
    assert "[email]" in everything and "[phone]" in everything
    assert ids[2] not in data.turn_ids and ids[3] not in data.turn_ids
    assert set(data.turn_ids) == {ids[0], ids[1]}
    held = {e.source_id for e in data.heldout}
    assert held and not held & {e.source_id for e in data.train}
    assert all(e.kind in ("turn", "edit") for e in data.heldout)
