"""Risk on an incoming turn: a caring reply with local crisis lines, the story paused,
the counselor alerted; idioms pass; a turn seen twice acts once."""

from __future__ import annotations

from tests.counsel_support import counselor, deliveries, link, say, tell
from worker.conversation.nlu_worker import GROUP, NluWorker
from worker.conversation.safety_step import SafetyStep
from worker.ops.jobs import PAUSED_SELF
from worker.ops.queues import enqueue_story
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext
from worker.store.records import StoryRequest


def test_a_crisis_turn_gets_crisis_lines_and_pauses_the_story(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:rui"
    tell(ctx, analyzer, user, "I want to die, I have the pills ready tonight.")
    [reply] = deliveries(ctx, user)
    assert reply.kind == "reply"
    assert "988" in reply.text, "en-US crisis line"
    assert "paused" in reply.text
    state = ctx.store.get_safety(user)
    assert state.paused and state.level == "high"
    [alert] = ctx.store.user_alerts(user)
    assert alert.level == "high" and "suicidal_ideation" in alert.categories
    assert "pills" not in alert.model_dump_json(), "an alert never carries the words"

    request = StoryRequest(user=user)
    enqueue_story(ctx.store, ctx.settings, request)
    run_generate_worker(ctx, burst=True, preload=False)
    assert deliveries(ctx, user)[-1].text == PAUSED_SELF
    assert ctx.store.installment_count(user) == 0


def test_idioms_and_memories_get_the_usual_reply(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:ana"
    tell(ctx, analyzer, user, "This exam is killing me, haha.",
         "We walked along the beach in Nazare with my sister Ana.")
    replies = deliveries(ctx, user)
    assert len(replies) == 2
    assert all("988" not in r.text for r in replies)
    assert not ctx.store.get_safety(user).paused
    assert ctx.store.user_alerts(user) == []


def test_crisis_lines_follow_the_users_locale(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:bia"
    assert "pt-BR" in say(ctx, user, "/locale pt-BR")
    tell(ctx, analyzer, user, "I keep thinking everyone would be better off without me.")
    [reply] = deliveries(ctx, user)
    assert "188" in reply.text and "Obrigado" in reply.text


def test_a_low_risk_memory_flags_the_counselor_without_interrupting(
    ctx: WorkerContext, analyzer  # type: ignore[no-untyped-def]
) -> None:
    user = "local:leo"
    tell(ctx, analyzer, user, "My father beat me when I was a boy in Porto.")
    [reply] = deliveries(ctx, user)
    assert "988" not in reply.text and reply.text.endswith("?")
    state = ctx.store.get_safety(user)
    assert state.level == "low" and not state.paused
    [alert] = ctx.store.user_alerts(user)
    assert alert.level == "low" and not alert.paused


def test_the_counselor_gets_a_message_without_the_clients_words(
    ctx: WorkerContext, analyzer  # type: ignore[no-untyped-def]
) -> None:
    account = counselor(ctx, chat_user="telegram:900")
    user = "telegram:77"
    ref = link(ctx, account, user)
    tell(ctx, analyzer, user, "My friend Marta says she wants to kill herself.")
    [message] = deliveries(ctx, "telegram:900")
    assert ref in message.text and "/alerts" in message.text
    assert "Marta" not in message.text and "kill" not in message.text
    assert "someone else" in message.text


def test_a_turn_processed_twice_alerts_and_replies_once(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    account = counselor(ctx, chat_user="telegram:901")
    user = "telegram:78"
    link(ctx, account, user)
    store = ctx.store
    from worker.conversation.intake import receive_text

    receive_text(store, ctx.settings, user=user, platform="telegram", chat_id="78",
                 text="I don't want to be alive anymore.")
    step = SafetyStep.from_settings(store, ctx.settings)
    worker = NluWorker(store, analyzer, consumer="first", safety=step)
    worker.balance()  # owns the turns shards, as each step of a running worker does
    entries = store.read_turns(GROUP, "first", [store.keys.turn_shard(user)], 10, 100)
    worker.process(entries)
    worker.process(entries)  # a redelivery after a crash
    assert len(store.user_alerts(user)) == 1
    assert len(deliveries(ctx, user)) == 1
    assert len(deliveries(ctx, "telegram:901")) == 1
