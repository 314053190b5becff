"""Gentle with grief, alarmed only by present danger; after the caring reply, a user with no
counselor goes on with their story on their own word, the helplines one tap away."""

from __future__ import annotations

from tests.chat_harness import run_generate, run_nlu, wait_until
from tests.counsel_support import counselor, deliveries, link, say, tell
from tests.discord_fixtures import (  # noqa: F401 - fixtures
    DiscordRun,
    discord_context,
    fake_discord,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.conversation.resume import COUNSELOR_DECIDES, RESUMED
from worker.ops.jobs import PAUSED, PAUSED_SELF
from worker.ops.runtime import WorkerContext

# Memories that paused a story before (issue 16), replayed two sentences a message.
MEMORIES = (
    "I would be all alone. My mother was gone.",
    "I know that she is watching us from heaven.",
    "He got a little mad. He forgave me.",
    "My father died when I was pregnant with my first. I still miss him every day.",
    "I'm so sorry you felt alone back then. It hurts to think of it.",
)
CRISIS = "I want to die, I have the pills ready tonight."


def test_grief_and_past_memories_never_pause_the_story(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:ines"
    tell(ctx, analyzer, user, *MEMORIES)
    replies = deliveries(ctx, user)
    assert len(replies) == len(MEMORIES)
    assert all(r.crisis is None and "988" not in r.text for r in replies)
    assert not ctx.store.get_safety(user).paused


def test_present_danger_in_a_grief_story_still_pauses(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:joao"
    tell(ctx, analyzer, user, "My mother was gone. Now I want to kill myself tonight.")
    [reply] = deliveries(ctx, user)
    assert reply.crisis == "self" and "988" in reply.text
    assert ctx.store.get_safety(user).paused


def test_without_a_counselor_the_user_resumes_and_the_story_goes_on(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "local:rita"
    tell(ctx, analyzer, user, "My grandmother Rosa baked bread in Braga every morning.", CRISIS)
    crisis = deliveries(ctx, user)[-1]
    assert crisis.crisis == "self" and "/resume" in crisis.text and "988" in crisis.text
    say(ctx, user, "/story")
    run_generate(ctx, language_model)
    assert deliveries(ctx, user)[-1].text == PAUSED_SELF
    assert say(ctx, user, "/resume") == RESUMED
    state = ctx.store.get_safety(user)
    assert not state.paused and state.level == "high", "the gentle tone floor stays on"
    assert "988" in say(ctx, user, "/helplines")
    say(ctx, user, "/story")
    run_generate(ctx, language_model)
    assert ctx.store.installment_count(user) == 1
    assert deliveries(ctx, user)[-1].kind == "installment"


def test_with_a_counselor_the_counselor_decides(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    account = counselor(ctx, chat_user="telegram:902")
    user = "telegram:79"
    link(ctx, account, user)
    tell(ctx, analyzer, user, CRISIS)
    [reply] = deliveries(ctx, user)
    assert reply.crisis == "counselor" and "/resume" not in reply.text
    answer = say(ctx, user, "/resume")
    assert answer.startswith(COUNSELOR_DECIDES) and "988" in answer
    assert ctx.store.get_safety(user).paused
    from worker.ops.queues import enqueue_story
    from worker.ops.runner import run_generate_worker
    from worker.store.records import StoryRequest

    enqueue_story(ctx.store, ctx.settings, StoryRequest(user=user))
    run_generate_worker(ctx, burst=True, preload=False)
    assert deliveries(ctx, user)[-1].text == PAUSED


ANA = {"id": 601, "first_name": "Ana"}


def test_on_telegram_the_caring_reply_carries_go_on_and_the_helplines(
    tctx: WorkerContext, tg: FakeTelegram, analyzer  # type: ignore[no-untyped-def]
) -> None:
    user = "telegram:601"
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        tg.wait_for_sync(lambda: tg.sent(ANA["id"]))
        tg.push_text(ANA["id"], ANA, CRISIS)
        wait_until(lambda: tctx.store.turns(user))
        run_nlu(tctx, analyzer)
        (_, caring) = tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2 and tg.sent(ANA["id"]))
        assert caring.callback_data == ["safe:resume", "safe:lines"]
        assert tctx.store.get_safety(user).paused
        tg.push_callback(caring.message_id, "safe:resume")
        tg.wait_for_sync(lambda: RESUMED in texts(tg, ANA["id"]))
        resumed = tg.sent(ANA["id"])[-1]
        assert resumed.callback_data == ["safe:lines"], "the helplines stay one tap away"
        assert not tctx.store.get_safety(user).paused
        tg.push_callback(resumed.message_id, "safe:lines")
        tg.wait_for_sync(lambda: "988" in (tg.sent(ANA["id"])[-1].text or ""))


def test_on_discord_a_dm_caring_reply_carries_the_same_buttons(
    dctx: WorkerContext, dc: FakeDiscord, analyzer  # type: ignore[no-untyped-def]
) -> None:
    user = f"discord:{dc.add_user('carla')['id']}"
    dm = dc.dm_channel("carla")["id"]
    with DiscordRun(dctx, dc):
        dc.push_message(dm, "carla", "/agree")
        dc.wait_for_sync(lambda: dc.sent(dm))
        dc.push_message(dm, "carla", CRISIS)
        wait_until(lambda: dctx.store.turns(user))
        run_nlu(dctx, analyzer)
        caring = dc.wait_for_sync(lambda: len(dc.sent(dm)) == 2 and dc.sent(dm)[1], timeout=10)
        assert caring.custom_ids == ["safe:resume", "safe:lines"]
        dc.push_component(caring.id, "safe:resume", user="carla")
        dc.wait_for_sync(lambda: any(p.content == RESUMED for p in dc.sent(dm)), timeout=10)
    assert not dctx.store.get_safety(user).paused
