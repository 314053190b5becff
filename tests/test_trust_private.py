"""`/private on` in a session that reviews installments: what was held comes to the user."""

from __future__ import annotations

from tests.counsel_support import deliveries, fake_installment
from tests.test_counsel_review import _guided
from worker.conversation.commands import CommandContext, dispatch
from worker.ops.runtime import WorkerContext
from worker.store.review import HELD_NOTICE


def test_private_on_releases_what_waits_for_review(ctx: WorkerContext) -> None:
    user = "local:private-review"
    _guided(ctx, user)
    held, _ = fake_installment(ctx, user, "You crossed the bridge with Tomasz at dawn.")
    assert held.text not in [d.text for d in deliveries(ctx, user)], "held for review first"
    commands = CommandContext(ctx.settings, ctx.store, ctx.store.redis)
    answer = dispatch(commands, user, "private", "on")
    shown = [d.text for d in deliveries(ctx, user) if d.kind == "installment"]
    assert shown == [held.text], "the held installment was stranded by /private on"
    assert "comes to you now" in answer.text
    later, _ = fake_installment(ctx, user, "The river froze that winter.")
    assert later.text in [d.text for d in deliveries(ctx, user)], "nothing held while private"
    assert [h.status for h in ctx.store.held(user)] == ["approved"]
    dispatch(commands, user, "private", "off")
    again, _ = fake_installment(ctx, user, "Spring came late.")
    sent = [d.text for d in deliveries(ctx, user)]
    assert again.text not in sent and sent.count(HELD_NOTICE) == 2, "review resumes after off"
