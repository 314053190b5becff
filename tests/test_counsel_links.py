"""Linking a client to a counselor only with the client's consent, and private mode."""

from __future__ import annotations

from tests.counsel_support import counselor, link, say
from worker.ops.runtime import WorkerContext


def test_a_code_shows_what_the_counselor_sees_and_waits_for_consent(ctx: WorkerContext) -> None:
    account = counselor(ctx, email="Dr.Silva@Example.org")
    user = "telegram:10"
    code = ctx.store.issue_invite(account.account_id, hours=1).code
    shown = say(ctx, user, f"/counselor {code.lower().replace('-', ' ')}")
    assert "dr.silva@example.org" in shown
    for seen in ("timeline", "people", "feelings", "installments", "safety alerts", "/private"):
        assert seen in shown
    assert ctx.store.clients_of(account.account_id) == [], "nothing shared before confirm"
    assert "linked" in say(ctx, user, "/counselor confirm")
    [client] = ctx.store.clients_of(account.account_id)
    assert client.user == user and ctx.store.link_by_ref(client.ref) == client


def test_a_code_works_once(ctx: WorkerContext) -> None:
    account = counselor(ctx)
    code = ctx.store.issue_invite(account.account_id, hours=1).code
    say(ctx, "local:a", f"/counselor {code}")
    assert "doesn't work" in say(ctx, "local:b", f"/counselor {code}")
    assert "doesn't work" in say(ctx, "local:c", "/counselor NOPE-NOPE")
    assert "nothing to confirm" in say(ctx, "local:c", "/counselor confirm")


def test_an_expired_code_is_refused(ctx: WorkerContext) -> None:
    account = counselor(ctx)
    code = ctx.store.issue_invite(account.account_id, hours=1 / 3600 / 2).code  # half a second
    import time

    time.sleep(1.2)
    assert "doesn't work" in say(ctx, "local:a", f"/counselor {code}")


def test_off_ends_the_link_and_the_counselor_loses_the_client(ctx: WorkerContext) -> None:
    account = counselor(ctx)
    ref = link(ctx, account, "local:eve")
    assert "linked with" in say(ctx, "local:eve", "/counselor")
    assert "ended" in say(ctx, "local:eve", "/counselor off")
    assert ctx.store.clients_of(account.account_id) == []
    assert ctx.store.link_by_ref(ref) is None
    assert "not linked" in say(ctx, "local:eve", "/counselor")


def test_a_linked_client_cannot_be_taken_by_another_counselor(ctx: WorkerContext) -> None:
    first, second = counselor(ctx, "one@example.org"), counselor(ctx, "two@example.org")
    link(ctx, first, "local:ivo")
    code = ctx.store.issue_invite(second.account_id, hours=1).code
    assert "already linked" in say(ctx, "local:ivo", f"/counselor {code}")
    assert [c.user for c in ctx.store.clients_of(first.account_id)] == ["local:ivo"]
    assert ctx.store.clients_of(second.account_id) == []


def test_private_mode_is_the_clients_choice(ctx: WorkerContext) -> None:
    user = "local:zoe"
    assert "off" in say(ctx, user, "/private")
    assert "only safety alerts" in say(ctx, user, "/private on")
    assert ctx.store.get_privacy(user).private
    assert "off" in say(ctx, user, "/private off")
    assert not ctx.store.get_privacy(user).private
    assert "Send /private on" in say(ctx, user, "/private maybe")


def test_a_counselor_links_their_own_chat_for_alerts(ctx: WorkerContext) -> None:
    account = counselor(ctx)
    code = ctx.store.issue_chat_code(account.account_id, ttl_s=60)
    assert "receives safety alerts" in say(ctx, "telegram:555", f"/alerts {code}")
    stored = ctx.store.get_account(account.account_id)
    assert stored is not None and stored.chat_user == "telegram:555"
    assert "doesn't work" in say(ctx, "telegram:556", f"/alerts {code}")


def test_bad_locale_input_gets_a_clear_answer(ctx: WorkerContext) -> None:
    assert "en-US" in say(ctx, "local:q", "/locale")
    assert "doesn't look like" in say(ctx, "local:q", "/locale " + "x" * 200)
    assert "en-GB" in say(ctx, "local:q", "/locale en_gb")
