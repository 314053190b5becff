"""Private Telegram chats through the real PTB against the fake Bot API: consent first."""

from __future__ import annotations

import html

from bot.private import AGREED, ASK_FIRST, EXPLAIN
from tests.chat_harness import run_generate, run_nlu, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.ops.runtime import WorkerContext

ANA = {"id": 501, "first_name": "Ana", "username": "ana"}
BEN = {"id": 502, "first_name": "Ben"}


def test_nothing_is_stored_before_consent(tctx: WorkerContext, tg: FakeTelegram) -> None:
    store = tctx.store
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "start")
        (welcome,) = tg.wait_for_sync(lambda: tg.sent(ANA["id"]))
        assert welcome.text == EXPLAIN and welcome.callback_data == ["consent:yes", "consent:no"]
        tg.push_text(ANA["id"], ANA, "My grandmother Rosa grew up in Braga.")
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2)
        assert texts(tg, ANA["id"])[1] == ASK_FIRST
        assert store.turns("telegram:501") == [] and store.users() == []
        assert store.turn_stream_length() == 0
        tg.push_callback(welcome.message_id, "consent:yes")
        tg.wait_for_sync(lambda: tg.sent(ANA["id"])[0].text == AGREED)
        tg.push_text(ANA["id"], ANA, "My grandmother Rosa grew up in Braga.")
        wait_until(lambda: store.turns("telegram:501"), what="the turn after consent")
        tg.push_command(BEN["id"], BEN, "agree")
        tg.wait_for_sync(lambda: texts(tg, BEN["id"]) == [AGREED])
    consent = store.get_consent("telegram:501")
    assert consent is not None and not consent.share_with_community
    assert store.get_consent("telegram:502") is not None
    [turn] = store.turns("telegram:501")
    assert turn.text == "My grandmother Rosa grew up in Braga." and turn.chat_id == "501"
    assert tg.sent(ANA["id"])[0].reply_markup is None, "the consent buttons are gone"
    menu = {c["command"] for c in tg.commands()}
    assert {"start", "agree", "story", "tone", "profile", "help", "forget", "export",
            "share"} <= menu


def test_conversation_reply_arrives_from_the_nlu_worker(
    tctx: WorkerContext, tg: FakeTelegram, analyzer  # type: ignore[no-untyped-def]
) -> None:
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        tg.wait_for_sync(lambda: tg.sent(ANA["id"]))
        tg.push_text(ANA["id"], ANA, "My brother Tom taught me to swim in the lake near Braga.")
        wait_until(lambda: tctx.store.turns("telegram:501"))
        run_nlu(tctx, analyzer)
        (_, reply) = tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2 and tg.sent(ANA["id"]))
    assert reply.text and reply.text.endswith("?") and reply.parse_mode is None
    assert "Tom" in {p.name for p in tctx.store.get_profile("telegram:501").people}


def test_story_round_trip_with_typing_and_installment_keyboard(
    tctx: WorkerContext, tg: FakeTelegram, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    user = "telegram:501"
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        tg.push_text(ANA["id"], ANA, "In 1975 my grandmother Rosa opened a bakery in Braga.")
        wait_until(lambda: tctx.store.turns(user))
        run_nlu(tctx, analyzer)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2)
        tg.push_command(ANA["id"], ANA, "story")
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 3)
        tg.wait_for_sync(lambda: tg.chat_actions(ANA["id"]))
        run_generate(tctx, language_model)
        # the fourth message is the live preview until the delivered installment replaces it
        story = tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 4
                                 and tg.sent(ANA["id"])[3].parse_mode == "HTML"
                                 and tg.sent(ANA["id"])[3], timeout=10)
    [installment] = tctx.store.installments(user)
    assert texts(tg, ANA["id"])[2] == "Writing the next part of your story..."
    assert tg.chat_actions(ANA["id"])[0] == "typing"
    assert story.parse_mode == "HTML" and story.text is not None
    assert story.text.startswith("<b>Your story</b>\n\n")
    assert html.unescape(story.text.split("\n\n", 1)[1]) == installment.text
    iid = installment.installment_id
    assert story.callback_data[:3] == [f"fb:keep:{iid}", f"fb:drop:{iid}", f"fb:again:{iid}"]
    assert story.callback_data[3] == f"fb:tones:{iid}"
