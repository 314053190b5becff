"""Helpers shared by the counselor, safety-flow and dashboard tests."""

from __future__ import annotations

from worker.conversation.commands import CommandContext, dispatch
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.conversation.safety_step import SafetyStep
from worker.counsel.records import Account
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery, GenerationStats, Installment, new_id


def tell(ctx: WorkerContext, analyzer, user: str, *texts: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Store turns for a user and run the NLU worker over them; returns the turn ids."""
    ids = []
    for text in texts:
        intake = receive_text(ctx.store, ctx.settings, user=user, platform=user.split(":")[0],
                              chat_id=user, text=text)
        assert intake.turn is not None
        ids.append(intake.turn.turn_id)
    step = SafetyStep.from_settings(ctx.store, ctx.settings)
    NluWorker(ctx.store, analyzer, safety=step).run(burst=True, block_ms=100)
    return ids


def say(ctx: WorkerContext, user: str, line: str) -> str:
    """Run a chat command and return its answer."""
    name, _, args = line.lstrip("/").partition(" ")
    return dispatch(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user, name,
                    args).text


def deliveries(ctx: WorkerContext, user: str) -> list[Delivery]:
    """Everything queued for a user, in order (nothing is marked sent)."""
    return [d for _, d in ctx.store.deliveries_after(user, user.split(":")[0])]


def counselor(ctx: WorkerContext, email: str = "c@example.org", role: str = "counselor",
              chat_user: str | None = None) -> Account:
    """An account stored directly (its password is irrelevant to the test)."""
    account = Account(email=email, role=role, password_hash="x", chat_user=chat_user)  # type: ignore[arg-type]
    assert ctx.store.create_account(account)
    return account


def link(ctx: WorkerContext, account: Account, user: str) -> str:
    """Link a user to a counselor the way a user does it in chat; returns the client ref."""
    code = ctx.store.issue_invite(account.account_id, hours=1).code
    say(ctx, user, f"/counselor {code}")
    say(ctx, user, "/counselor confirm")
    found = ctx.store.client_link(user)
    assert found is not None and found.status == "active"
    return found.ref


def fake_installment(ctx: WorkerContext, user: str, text: str,
                     chapter: int = 1) -> tuple[Installment, Delivery]:
    """An installment saved through the store's real path (no model run)."""
    number = ctx.store.installment_count(user) + 1
    stats = GenerationStats(model="test", prompt_tokens=1, new_tokens=1, seconds=0.1,
                            tokens_per_s=10.0)
    inst = Installment(user=user, request_id=new_id(), number=number, text=text, tone="calm",
                       stats=stats, chapter=chapter)
    delivery = Delivery(user=user, kind="installment", text=text, in_reply_to=inst.request_id,
                        installment_id=inst.installment_id, tone="calm")
    assert ctx.store.save_installment(inst, delivery)
    return inst, delivery
