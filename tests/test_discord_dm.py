"""Discord DMs work like Telegram private chats; slash commands are acknowledged in time."""

from __future__ import annotations

from bot.discord.handlers import CHANNEL_HINT
from bot.private import AGREED, ASK_FIRST, EXPLAIN, MEDIA, OTHER_LANGUAGE
from tests.chat_harness import run_nlu, wait_until
from tests.discord_fixtures import (  # noqa: F401 - fixtures
    DiscordRun,
    discord_context,
    fake_discord,
    posts,
)
from tests.fakes.discord_api import FakeDiscord
from worker.conversation.photos import NOT_AN_IMAGE
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery


def test_dm_consent_then_story_talk_and_commands(
    dctx: WorkerContext, dc: FakeDiscord, analyzer  # type: ignore[no-untyped-def]
) -> None:
    store = dctx.store
    alice = dc.add_user("alice")
    user = f"discord:{alice['id']}"
    dm = dc.dm_channel("alice")["id"]
    with DiscordRun(dctx, dc):
        dc.push_message(dm, "alice", "My grandfather Ivo built boats in Split.")
        (ask,) = dc.wait_for_sync(lambda: dc.sent(dm))
        assert ask.content == ASK_FIRST and ask.custom_ids == ["consent:yes", "consent:no"]
        assert store.turns(user) == []
        dc.push_component(ask.id, "consent:yes", user="alice")
        dc.wait_for_sync(lambda: dc.sent(dm)[0].content == AGREED)
        dc.push_message(dm, "alice", "My grandfather Ivo built boats in Split.")
        wait_until(lambda: store.turns(user))
        run_nlu(dctx, analyzer)
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 2, timeout=10)
        dc.push_message(dm, "alice", "/profile")
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 3)
        dc.push_slash("tone", {"args": "nostalgia"}, user="alice", channel_id=dm)
        dc.push_slash("start", user="bob")
        dc.push_slash("profile", user="alice")  # in #general: only Alice may see it
        dc.wait_for_sync(lambda: len(dc.interaction_responses()) >= 6, timeout=10)
        dc.wait_for_sync(lambda: len([p for p in dc.sent() if p.via == "interaction"]) == 3)
    said = posts(dc, dm)
    assert said[1].endswith("?"), "the NLU worker's reply came to the DM"
    assert "Ivo" in said[2], "a typed /profile works in a DM"
    assert store.get_settings(user).tone == "nostalgia"
    answers = {p.interaction_id: p for p in dc.sent() if p.via == "interaction"}
    general = [p for p in answers.values() if p.channel_id == dc.channel_id]
    assert {p.ephemeral for p in general} == {True}, "private answers in a server are ephemeral"
    assert any(p.content.startswith(EXPLAIN[:40]) for p in general)
    assert any("Ivo" in p.content for p in general)
    assert all(a.latency < dc.interaction_timeout for a in dc.interaction_responses())
    assert [a.type for a in dc.interaction_responses() if a.kind == "callback"][:1] == [6]
    names = {c["name"] for c in dc.commands()}
    assert {"story", "tone", "profile", "help", "start", "agree", "share", "export",
            "forget"} <= names
    story = next(c for c in dc.commands() if c["name"] == "story")
    assert {o["name"] for o in story["options"]} == {"next", "start", "weave", "recap",
                                                    "export", "end", "join", "leave"}


def test_dm_deliveries_survive_an_adapter_restart(dctx: WorkerContext, dc: FakeDiscord) -> None:
    store = dctx.store
    user = f"discord:{dc.add_user('alice')['id']}"
    dm = dc.dm_channel("alice")["id"]
    store.give_consent(user, "discord")
    with DiscordRun(dctx, dc):
        store.push_delivery(Delivery(user=user, kind="reply", text="What was Ivo like?"))
        dc.wait_for_sync(lambda: dc.sent(dm), timeout=10)
    store.push_delivery(Delivery(user=user, kind="reply", text="And his boats?"))
    store.push_delivery(Delivery(user=user, kind="notice", text="I kept everything."))
    with DiscordRun(dctx, dc):
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 3, timeout=10)
    assert posts(dc, dm) == ["What was Ivo like?", "And his boats?", "I kept everything."]
    assert store.deliveries_after(user, "discord") == []


def test_bad_input_in_dms_and_channels_gets_a_clear_reply(dctx: WorkerContext,
                                                          dc: FakeDiscord) -> None:
    store = dctx.store
    user = f"discord:{dc.add_user('alice')['id']}"
    dm = dc.dm_channel("alice")["id"]
    store.give_consent(user, "discord")
    with DiscordRun(dctx, dc) as run:
        bot_id = dc.application_id
        dc.push_message(dm, "alice", "", attachments={"diary.bin": b"\x00\xff"})
        dc.push_message(dm, "alice", "/fly to the moon")
        dc.push_message(dm, "alice", "Mi abuela me enseñó a hacer pan en la cocina de su casa.")
        dc.push_message(dm, "alice", "My mother Ines in Faro, 1962.",
                        attachments={"ines.jpg": b"\xff\xd8jpeg"})
        dc.push_message(dc.channel_id, "bob", "anyone up for lunch?")
        dc.push_message(dc.channel_id, "bob", f"<@{bot_id}> what do you do?")
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 4 and dc.sent(dc.channel_id), timeout=15)
        wait_until(lambda: len(store.turns(user)) == 2)
        assert run.error is None
    said = posts(dc, dm)
    assert said[0] == MEDIA["document"]
    assert said[1].startswith("I don't know the command /fly")
    assert said[2] == OTHER_LANGUAGE
    assert said[3] == NOT_AN_IMAGE, "bytes that do not open as a picture are not kept as one"
    spanish, photo = store.turns(user)
    assert spanish.text.startswith("Mi abuela") and photo.text.startswith("My mother Ines")
    assert [a.kind for a in photo.attachments] == ["photo"]
    assert posts(dc, dc.channel_id) == [CHANNEL_HINT], "only the message that named storyloom"
