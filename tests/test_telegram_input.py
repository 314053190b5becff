"""Bad input on Telegram gets a clear reply each; groups are answered only when addressed."""

from __future__ import annotations

from bot.private import MEDIA, OTHER_LANGUAGE
from bot.telegram.groups import HELP as GROUP_HELP
from tests.chat_harness import wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.conversation.photos import NOT_AN_IMAGE
from worker.conversation.voice.intake import LISTENING
from worker.ops.runtime import WorkerContext

ANA = {"id": 901, "first_name": "Ana"}
USER = "telegram:901"
GROUP = -100900
BOB = {"id": 902, "first_name": "Bob"}
CAROL = {"id": 903, "first_name": "Carol"}


def test_each_kind_of_bad_input_gets_a_clear_reply(tctx: WorkerContext,
                                                   tg: FakeTelegram) -> None:
    store = tctx.store
    store.give_consent(USER, "telegram")
    with telegram(tctx, tg):
        tg.push_sticker(ANA["id"], ANA)
        tg.push_voice(ANA["id"], ANA)
        tg.push_document(ANA["id"], ANA, b"\x00\xffbinary", file_name="diary.bin",
                         mime_type="application/octet-stream")
        tg.push_forwarded(ANA["id"], ANA, "Meet me at the station at noon.", origin=BOB)
        tg.push_command(ANA["id"], ANA, "fly", "to the moon")
        tg.push_photo(ANA["id"], ANA, b"\xff\xd8jpeg")
        tg.push_text(ANA["id"], ANA, "Mi abuela me enseñó a hacer pan en la cocina de su casa.")
        tg.push_photo(ANA["id"], ANA, b"\xff\xd8jpeg", caption="My mother Ines in Faro, 1962.")
        tg.push_text(ANA["id"], ANA, "\x00 \x07 \t")
        tg.push_text(ANA["id"], ANA, "x" * 4096)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) >= 9, timeout=40)
        wait_until(lambda: len(store.turns(USER)) == 3)
    said = texts(tg, ANA["id"])
    # a voice note is listened to now (tests/test_voice.py follows it to its answer)
    expected = [MEDIA["sticker"], LISTENING, MEDIA["document"], MEDIA["forward"]]
    assert said[:4] == expected
    assert "I don't know the command /fly" in said[4]
    assert said[5] == NOT_AN_IMAGE, "bytes that do not open as a picture are not kept as one"
    assert said[6] == OTHER_LANGUAGE
    assert said[7] == NOT_AN_IMAGE, "... and its caption is kept all the same"
    assert "didn't catch anything" in said[8]
    spanish, photo, long = store.turns(USER)
    assert spanish.text.startswith("Mi abuela"), "a message in another language is still kept"
    assert photo.text == "My mother Ines in Faro, 1962."
    [attachment] = photo.attachments
    assert attachment.kind == "photo" and attachment.platform_ref.startswith("telegram-file:")
    assert len(long.text) == 4096
    assert all("station" not in t.text for t in store.turns(USER)), "forwards are not kept"


def test_groups_answer_only_when_addressed(tctx: WorkerContext, tg: FakeTelegram) -> None:
    store = tctx.store
    story = f"telegram-group:{GROUP}"
    bot = "@storyloom_test_bot"
    with telegram(tctx, tg):
        tg.push_text(GROUP, BOB, "Anyone up for lunch?", chat_type="group", title="Family")
        tg.push_text(GROUP, CAROL, "/story@some_other_bot", chat_type="group")
        for member in (BOB, CAROL):  # each agrees that their words are kept in the story
            tg.push_command(GROUP, member, "story", "join", chat_type="group", title="Family")
        joined = tg.wait_for_sync(lambda: len(tg.sent(GROUP)) == 2 and tg.sent(GROUP))
        tg.push_text(GROUP, BOB, f"{bot} Grandpa once rowed across the bay at night.",
                     chat_type="group")
        ack = tg.wait_for_sync(lambda: len(tg.sent(GROUP)) == 3 and tg.sent(GROUP))[2]
        tg.push_text(GROUP, CAROL, "And he sang the whole way.", chat_type="group",
                     reply_to=ack.message_id)
        tg.push_command(GROUP, CAROL, "help", chat_type="group")
        tg.push_command(GROUP, CAROL, "profile", chat_type="group")
        tg.push_command(GROUP, BOB, "story", "recap", chat_type="group")
        tg.wait_for_sync(lambda: len(tg.sent(GROUP)) == 7, timeout=10)
        tg.wait_for_sync(lambda: tg.pending_updates() == 0)
    assert all("from now on I keep your words" in (m.text or "") for m in joined)
    said = texts(tg, GROUP)[2:]
    assert said[0].startswith("Added to the story (1 waiting")
    assert said[1].startswith("Added to the story (2 waiting")
    assert said[2] == GROUP_HELP
    assert "private chat" in said[3], "a private command is not answered in the group"
    assert "2 contribution(s) by Bob, Carol" in said[4]
    contributions = store.contributions(story)
    assert [(c.name, c.text) for c in contributions] == [
        ("Bob", "Grandpa once rowed across the bay at night."),
        ("Carol", "And he sang the whole way."),
    ]
    record = store.get_community(story)
    assert record is not None and record.title == "Family"
    assert store.turns("telegram:902") == [] and store.users() == [], "nothing private kept"
    assert len(tg.sent()) == 7, "nothing was said to anyone else"
