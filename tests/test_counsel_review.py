"""Review before delivery: in a guided session installments wait for the counselor."""

from __future__ import annotations

import pytest

from tests.counsel_support import counselor, deliveries, fake_installment, link, tell
from worker.conversation.commands import CommandContext, dispatch
from worker.counsel.guide import opening_message, plan_session
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext
from worker.store.review import HELD_NOTICE, REJECTED_NOTICE


def _guided(ctx: WorkerContext, user: str, review: bool = True) -> str:
    account = counselor(ctx, email=f"{user.split(':')[1]}@example.org")
    link(ctx, account, user)
    session = plan_session(user, account.account_id, "re-authoring", review=review)
    ctx.store.start_guided(session, opening_message(session))
    return account.account_id


def test_a_held_installment_reaches_the_user_only_when_approved(ctx: WorkerContext) -> None:
    user = "local:held"
    actor = _guided(ctx, user)
    inst, _ = fake_installment(ctx, user, "You walked to the river with Ana.")
    shown = [d.text for d in deliveries(ctx, user)]
    assert inst.text not in shown and HELD_NOTICE in shown
    [item] = ctx.store.held(user)
    assert item.status == "pending"
    decided = ctx.store.decide_held(user, inst.installment_id, actor, "approve")
    assert decided is not None and decided.status == "approved"
    assert [d.text for d in deliveries(ctx, user) if d.kind == "installment"] == [inst.text]
    assert ctx.store.decide_held(user, inst.installment_id, actor, "approve") is None, "once"


def test_an_edit_delivers_the_counselors_words_and_keeps_them(ctx: WorkerContext) -> None:
    user = "local:edit"
    actor = _guided(ctx, user)
    inst, _ = fake_installment(ctx, user, "Draft words.")
    ctx.store.decide_held(user, inst.installment_id, actor, "edit", text="Better words.",
                          note="I softened the ending.")
    sent = deliveries(ctx, user)
    assert [d.text for d in sent if d.kind == "installment"] == ["Better words."]
    assert any("I softened the ending." in d.text for d in sent)
    stored = ctx.store.get_installment(user, inst.installment_id)
    assert stored is not None and stored.text == "Better words."
    with pytest.raises(ValueError):
        other, _ = fake_installment(ctx, user, "More.")
        ctx.store.decide_held(user, other.installment_id, actor, "edit", text="  ")


def test_a_rejection_withdraws_the_installment(ctx: WorkerContext) -> None:
    user = "local:rej"
    actor = _guided(ctx, user)
    inst, _ = fake_installment(ctx, user, "Not this one.")
    ctx.store.decide_held(user, inst.installment_id, actor, "reject", note="Let's try again.")
    sent = deliveries(ctx, user)
    assert all(d.kind != "installment" for d in sent)
    assert REJECTED_NOTICE in [d.text for d in sent]
    assert ctx.store.installment_count(user) == 0


def test_without_review_or_after_the_session_installments_flow(ctx: WorkerContext) -> None:
    user = "local:free"
    _guided(ctx, user, review=False)
    inst, _ = fake_installment(ctx, user, "Straight to you.")
    assert inst.text in [d.text for d in deliveries(ctx, user)]
    user2 = "local:ended"
    _guided(ctx, user2)
    ctx.store.end_guided(user2)
    inst2, _ = fake_installment(ctx, user2, "Also straight to you.")
    assert inst2.text in [d.text for d in deliveries(ctx, user2)]


def test_ending_the_link_releases_what_was_held(ctx: WorkerContext) -> None:
    user = "local:leave"
    _guided(ctx, user)
    inst, _ = fake_installment(ctx, user, "Waiting words.")
    assert inst.text not in [d.text for d in deliveries(ctx, user)]
    dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, "counselor", "off")
    assert inst.text in [d.text for d in deliveries(ctx, user)]
    assert not ctx.store.review_hold(user)


def test_the_generate_job_holds_a_real_installment(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "local:real"
    _guided(ctx, user)
    tell(ctx, analyzer, user, "My grandmother Rosa baked bread in Evora every Sunday.")
    result = dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, "story", "")
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)
    sent = deliveries(ctx, user)
    assert all(d.kind != "installment" for d in sent)
    assert any(d.text == HELD_NOTICE and d.in_reply_to == result.request_id for d in sent)
    [item] = ctx.store.held(user)
    assert item.delivery.text == ctx.store.installments(user)[0].text
