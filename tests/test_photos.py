"""Photos: downloaded from Telegram (getFile, then the file) and Discord (the attachment URL),
sealed under the user's key, resized for print, linked to their caption's turn and what it
names, erased by /forget; bad photos get a clear answer and lose nothing."""

from __future__ import annotations

import io

from PIL import Image

from bot.private import FORGOTTEN, OTHER_LANGUAGE
from tests.book_support import jpeg
from tests.chat_harness import run_nlu, wait_until
from tests.discord_fixtures import DiscordRun, discord_context, fake_discord, posts  # noqa: F401
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import fake_telegram, telegram, telegram_context, texts  # noqa: F401
from worker.conversation.photos import ASK_CAPTION, KEPT, NOT_AN_IMAGE
from worker.ops.runtime import WorkerContext
from worker.store import crypto

ANA = {"id": 701, "first_name": "Ana"}
USER = "telegram:701"


def _agree(tg: FakeTelegram) -> None:
    tg.push_command(ANA["id"], ANA, "agree")
    tg.wait_for_sync(lambda: tg.sent(ANA["id"]))


def test_a_telegram_photo_is_kept_sealed_resized_and_linked_to_its_caption(
        tctx: WorkerContext, tg: FakeTelegram, analyzer) -> None:  # type: ignore[no-untyped-def]
    store = tctx.store
    original = jpeg(3000, 2000)
    with telegram(tctx, tg):
        _agree(tg)
        tg.push_photo(ANA["id"], ANA, original, caption="My grandmother Rosa at her bakery "
                      "in Braga in 1962.")
        wait_until(lambda: store.turns(USER), what="the caption's turn")
        run_nlu(tctx, analyzer)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) >= 3, timeout=30)
    # the photo's answer and the reply to its caption come in either order
    assert any(t.startswith(KEPT) for t in texts(tg, ANA["id"])[1:])
    assert [c.status for c in tg.calls("getFile")] == [200]
    assert [c.status for c in tg.calls("file")] == [200], "the file itself was downloaded"
    [photo] = store.photos(USER)
    [turn] = store.turns(USER)
    assert photo.turn_id == turn.turn_id and turn.attachments[0].photo_id == photo.photo_id
    assert (photo.width, photo.height) == (2400, 1600), "resized for print (300 dpi on A5)"
    assert photo.original_bytes == len(original)
    assert "Braga" in photo.places and any("Rosa" in p for p in photo.people)
    assert photo.time_start is not None and photo.time_start.year == 1962
    raw = tctx.store.redis.get(store.keys.photo_image(USER, photo.photo_id, "print"))
    assert raw.startswith(crypto.MAGIC) and b"\xff\xd8\xff" not in raw[:64], "sealed"
    printed = store.photo_image(USER, photo.photo_id, "print")
    assert printed is not None and Image.open(io.BytesIO(printed)).size == (2400, 1600)


def test_a_photo_without_caption_takes_the_next_message_and_forget_erases_it(
        tctx: WorkerContext, tg: FakeTelegram) -> None:
    store = tctx.store
    with telegram(tctx, tg):
        _agree(tg)
        tg.push_photo(ANA["id"], ANA, jpeg())
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2)
        assert texts(tg, ANA["id"])[1] == KEPT + ASK_CAPTION
        assert store.turns(USER) == [], "no words yet: no turn"
        tg.push_text(ANA["id"], ANA, "That is my father Jorge on his boat in Aveiro.")
        wait_until(lambda: store.turns(USER))
        [photo] = store.photos(USER)
        [turn] = store.turns(USER)
        assert photo.turn_id == turn.turn_id and photo.caption == turn.text
        tg.push_command(ANA["id"], ANA, "forget")
        ask = tg.wait_for_sync(lambda: [m for m in tg.sent(ANA["id"]) if "forget:yes" in
                                        m.callback_data])
        tg.push_callback(ask[0].message_id, "forget:yes", user=ANA)
        tg.wait_for_sync(lambda: any(m.text == FORGOTTEN for m in tg.sent(ANA["id"])))
    assert store.redis.keys(f"{store.keys.prefix}:user:{USER}:*") == []
    assert store.photo_image(USER, photo.photo_id) is None


def test_bad_photos_get_a_clear_answer_and_lose_nothing(
        tctx: WorkerContext, tg: FakeTelegram) -> None:
    store = tctx.store
    with telegram(tctx, tg):
        _agree(tg)
        tg.push_document(ANA["id"], ANA, b"this is not a picture at all", file_name="gran.jpg",
                         mime_type="image/jpeg", caption="Gran in her garden in Faro.")
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2)
        assert texts(tg, ANA["id"])[1] == NOT_AN_IMAGE
        huge = b"\xff\xd8\xff\xe0" + bytes(50 * 1024 * 1024)
        tg.push_document(ANA["id"], ANA, huge, file_name="scan.jpg", mime_type="image/jpeg",
                         caption="The whole family in 1970.")
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 3, timeout=20)
        assert "50 MB" in texts(tg, ANA["id"])[2] and "up to 20 MB" in texts(tg, ANA["id"])[2]
        tg.push_photo(ANA["id"], ANA, jpeg(), caption="A minha avó na cozinha, com o gato.")
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 5)
        assert texts(tg, ANA["id"])[3].startswith(KEPT) and texts(tg, ANA["id"])[4] == \
            OTHER_LANGUAGE
        wait_until(lambda: len(store.turns(USER)) == 3)
    assert [c.params["file_id"] for c in tg.calls("getFile")][-1:] != [], "photos fetched"
    assert len(tg.calls("file")) == 2, "the 50 MB image was never downloaded"
    captions = [t.text for t in store.turns(USER)]
    assert captions == ["Gran in her garden in Faro.", "The whole family in 1970.",
                        "A minha avó na cozinha, com o gato."], "every caption was kept"
    assert [p.caption for p in store.photos(USER)] == ["A minha avó na cozinha, com o gato."]


def test_a_discord_image_is_downloaded_from_its_attachment_url(
        dctx: WorkerContext, dc: FakeDiscord) -> None:
    store = dctx.store
    alice = dc.add_user("alice")
    user = f"discord:{alice['id']}"
    store.give_consent(user, "discord")
    dm = dc.dm_channel("alice")["id"]
    with DiscordRun(dctx, dc):
        dc.push_message(dm, "alice", "Grandpa Ivo and his boat in Split, 1958.",
                        attachments={"ivo.png": _png()})
        dc.wait_for_sync(lambda: dc.sent(dm))
        dc.push_message(dm, "alice", "", attachments={"not-a-photo.png": b"plain words"})
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 2)
    said = posts(dc, dm)
    assert said[0].startswith(KEPT) and said[1] == NOT_AN_IMAGE
    assert len(dc.calls("GET /attachments")) == 2
    [photo] = store.photos(user)
    assert photo.platform == "discord" and photo.caption.startswith("Grandpa Ivo")
    assert store.turns(user)[0].attachments[0].photo_id == photo.photo_id


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), "olive").save(out, "PNG")
    return out.getvalue()
