"""Real python-telegram-bot 22.8 against the fake Bot API: polling, handlers, files, floods."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import FakeTelegram

ALICE_ID, BOB_ID = 1001, 1002
ALICE: dict[str, Any] = {"id": ALICE_ID, "first_name": "Alice", "username": "alice"}
BOB: dict[str, Any] = {"id": BOB_ID, "first_name": "Bob"}
GROUP = -100200


@pytest.fixture
def tg() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def build_app(tg: FakeTelegram, token: str | None = None) -> Application:
    """How a test points PTB at the fake."""
    return (
        Application.builder()
        .token(token or tg.token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )


def bot_for(tg: FakeTelegram) -> Bot:
    return Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url)


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def message_of(update: Update) -> Message:
    """The update's message; handlers here only see updates that carry one."""
    assert update.effective_message is not None
    return update.effective_message


def query_of(update: Update) -> CallbackQuery:
    """The update's callback query."""
    assert update.callback_query is not None
    return update.callback_query


def echo_app(tg: FakeTelegram) -> Application:
    """A minimal bot: /start offers a button, text is echoed upper-cased, the button edits."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Begin", callback_data="begin")]])
        await message_of(update).reply_text(
            "<b>Welcome</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await message_of(update).reply_text(str(message_of(update).text).upper())

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = query_of(update)
        await query.answer("Let's go")
        await query.edit_message_text(f"You chose {query.data}")

    async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        edited = message_of(update)
        await context.bot.send_message(edited.chat_id, f"noticed edit: {edited.text}")

    app = build_app(tg)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, edited))
    app.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, echo)
    )
    app.add_handler(CallbackQueryHandler(pressed))
    return app


def test_echo_bot_answers_commands_and_text(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with polling(echo_app(tg)):
            tg.push_command(ALICE_ID, ALICE, "start")
            tg.push_text(ALICE_ID, ALICE, "once upon a time")
            sent = await tg.wait_for_sent(ALICE_ID, count=2)
            assert sent[0].text == "<b>Welcome</b>" and sent[0].parse_mode == "HTML"
            assert sent[0].callback_data == ["begin"]
            assert sent[1].text == "ONCE UPON A TIME"
            await tg.wait_for(lambda: tg.pending_updates() == 0)

    asyncio.run(scenario())
    methods = [c.method for c in tg.calls()]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    offsets = [c.params.get("offset") for c in tg.calls("getUpdates")]
    assert 3 in offsets, "PTB confirms both updates with offset=last+1"


def test_callback_query_is_answered_and_message_edited(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with polling(echo_app(tg)):
            tg.push_command(ALICE_ID, ALICE, "start")
            (welcome,) = await tg.wait_for_sent(ALICE_ID)
            tg.push_callback(welcome.message_id, "begin")
            await tg.wait_for(lambda: tg.sent(ALICE_ID)[0].text == "You chose begin")
            with pytest.raises(ValueError):
                tg.push_callback(welcome.message_id, "begin")  # the edit removed the keyboard

    asyncio.run(scenario())
    (answer,) = tg.callback_answers()
    assert answer["answer"]["text"] == "Let's go"
    assert 0 <= answer["delay"] < tg.world.callback_timeout
    assert tg.sent(ALICE_ID)[0].reply_markup is None


def test_edited_message_reaches_the_bot(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with polling(echo_app(tg)):
            first = tg.push_text(ALICE_ID, ALICE, "we met in 1999")
            await tg.wait_for_sent(ALICE_ID)
            tg.push_edited_message(ALICE_ID, first["message_id"], "we met in 1998")
            sent = await tg.wait_for_sent(ALICE_ID, count=2)
            assert sent[1].text == "noticed edit: we met in 1998"

    asyncio.run(scenario())


def test_group_commands_must_name_this_bot(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with polling(echo_app(tg)):
            tg.push_command(GROUP, BOB, "start", chat_type="group", address_bot=False)
            tg.push_text(GROUP, BOB, "/start@some_other_bot", chat_type="group")
            tg.push_command(GROUP, BOB, "start", chat_type="group")
            await tg.wait_for_sent(GROUP)
            await tg.wait_for(lambda: tg.pending_updates() == 0)

    asyncio.run(scenario())
    # /start without @ is still a command in PTB; the one for another bot is not ours.
    assert [m.text for m in tg.sent(GROUP)] == ["<b>Welcome</b>", "<b>Welcome</b>"]


def test_long_poll_holds_until_an_update_arrives(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with bot_for(tg) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=5))
            await asyncio.sleep(0.4)
            assert not poll.done(), "getUpdates must be held while nothing is pending"
            tg.push_text(ALICE_ID, ALICE, "hello")
            updates = await asyncio.wait_for(poll, 3)
            assert [message_of(u).text for u in updates] == ["hello"]
            again = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
            assert again == ()
            empty = asyncio.create_task(bot.get_updates(timeout=1))
            await asyncio.sleep(0.3)
            assert not empty.done()
            assert await asyncio.wait_for(empty, 3) == ()

    asyncio.run(scenario())


def test_offset_semantics_keep_unconfirmed_updates(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with bot_for(tg) as bot:
            for text in ("one", "two", "three"):
                tg.push_text(ALICE_ID, ALICE, text)
            first = await bot.get_updates(limit=2)
            assert [message_of(u).text for u in first] == ["one", "two"]
            replay = await bot.get_updates()
            assert len(replay) == 3, "nothing is confirmed without an offset"
            last = await bot.get_updates(offset=-1)
            assert [message_of(u).text for u in last] == ["three"]
            assert tg.pending_updates() == 1

    asyncio.run(scenario())


def test_update_json_uses_bot_api_field_names(tg: FakeTelegram) -> None:
    message = tg.push_text(
        GROUP, ALICE, "🎉 /story@storyloom_test_bot go", chat_type="group", title="Family"
    )
    reply = tg.push_text(GROUP, BOB, "me too", chat_type="group", reply_to=message["message_id"])
    assert set(message) >= {"message_id", "date", "chat", "from", "text", "entities"}
    assert message["chat"] == {"id": GROUP, "type": "group", "title": "Family"}
    assert message["from"] == {**ALICE, "is_bot": False}
    # offsets count UTF-16 code units: the emoji is two
    assert message["entities"] == [{"offset": 3, "length": 25, "type": "bot_command"}]
    assert reply["reply_to_message"]["message_id"] == message["message_id"]
    update = Update.de_json(tg.world.updates[0], None)
    parsed = message_of(update)
    assert parsed.parse_entity(parsed.entities[0]) == "/story@storyloom_test_bot"
    assert parsed.chat.type == "group"


def test_media_updates_and_photo_download(tg: FakeTelegram) -> None:
    photo_bytes = bytes(range(256)) * 40

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = message_of(update)
        file = await message.photo[-1].get_file()
        data = await file.download_as_bytearray()
        await message.reply_text(f"{message.caption}: {len(data)} bytes")

    async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = message_of(update)
        kind = (
            "sticker"
            if message.sticker
            else "voice"
            if message.voice
            else "document"
            if message.document
            else "forward"
            if message.forward_origin
            else "?"
        )
        await message.reply_text(kind)

    async def scenario() -> None:
        app = build_app(tg)
        app.add_handler(MessageHandler(filters.PHOTO, on_photo))
        app.add_handler(MessageHandler(filters.ALL, on_other))
        async with polling(app):
            tg.push_photo(ALICE_ID, ALICE, photo_bytes, caption="grandma")
            tg.push_sticker(ALICE_ID, ALICE)
            tg.push_voice(ALICE_ID, ALICE)
            tg.push_document(ALICE_ID, ALICE, b"diary", file_name="diary.txt")
            tg.push_forwarded(ALICE_ID, ALICE, "old letter", origin=BOB)
            await tg.wait_for_sent(ALICE_ID, count=5)

    asyncio.run(scenario())
    texts = sorted(str(m.text) for m in tg.sent(ALICE_ID))
    assert texts == sorted(
        [f"grandma: {len(photo_bytes)} bytes", "sticker", "voice", "document", "forward"]
    )
    assert [c.status for c in tg.calls("file")] == [200]


def test_send_document_is_stored_and_downloadable(tg: FakeTelegram) -> None:
    tg.push_text(ALICE_ID, ALICE, "export please")

    async def scenario() -> None:
        async with bot_for(tg) as bot:
            message = await bot.send_document(
                ALICE_ID, document=b"chapter one", filename="story.txt", caption="Your story"
            )
            assert message.document is not None
            file = await bot.get_file(message.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"chapter one"
            await bot.send_chat_action(ALICE_ID, "typing")
            await bot.delete_message(ALICE_ID, message.message_id)

    asyncio.run(scenario())
    (document,) = tg.sent(ALICE_ID, include_deleted=True)
    assert (document.method, document.file_name, document.file_bytes) == (
        "sendDocument",
        "story.txt",
        b"chapter one",
    )
    assert document.caption == "Your story" and document.deleted
    assert tg.chat_actions(ALICE_ID) == ["typing"]
    assert tg.calls("sendDocument")[0].files == {"document": b"chapter one"}


def test_api_rejects_what_telegram_rejects(tg: FakeTelegram) -> None:
    tg.push_text(ALICE_ID, ALICE, "hi")

    async def scenario() -> None:
        async with bot_for(tg) as bot:
            with pytest.raises(BadRequest, match="(?i)character '.' is reserved"):
                await bot.send_message(ALICE_ID, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
            ok = await bot.send_message(ALICE_ID, "*Done*\\.", parse_mode=ParseMode.MARKDOWN_V2)
            assert ok.text == "Done."
            with pytest.raises(BadRequest, match="(?i)can't parse entities"):
                await bot.send_message(ALICE_ID, "<b>open", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match="(?i)message is too long"):
                await bot.send_message(ALICE_ID, "x" * 4097)
            with pytest.raises(BadRequest, match="(?i)chat not found"):
                await bot.send_message(999, "who?")
            with pytest.raises(BadRequest, match="(?i)not modified"):
                await bot.edit_message_text("Done.", ALICE_ID, ok.message_id)
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                big = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
                await bot.send_message(ALICE_ID, "menu", reply_markup=big)
            with pytest.raises(EndPointNotFound):
                await bot.do_api_request("fooBar")
            tg.block(ALICE_ID)
            with pytest.raises(Forbidden, match="(?i)blocked"):
                await bot.send_message(ALICE_ID, "still there?")

    asyncio.run(scenario())
    assert [c.status for c in tg.calls("fooBar")] == [404]
    assert [m.text for m in tg.sent(ALICE_ID)] == ["*Done*\\."]


def test_commands_webhook_and_token_checks(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with bot_for(tg) as bot:
            await bot.set_my_commands([("start", "Begin your story"), ("export", "Download it")])
            assert [c.command for c in await bot.get_my_commands()] == ["start", "export"]
            with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
                await bot.set_my_commands([("Start!", "bad name")])
            await bot.set_webhook("https://example.invalid/hook")
            with pytest.raises(Conflict):
                await bot.get_updates()
            await bot.delete_webhook()
            assert await bot.get_updates() == ()
        with pytest.raises(InvalidToken):
            async with build_app(tg, token="999:WRONG"):
                pass

    asyncio.run(scenario())
    assert [c["command"] for c in tg.commands()] == ["start", "export"]
    assert tg.webhook() is None
    assert tg.calls("setWebhook")[0].params["url"] == "https://example.invalid/hook"


def retry_seconds(err: RetryAfter) -> float:
    """RetryAfter.retry_after is an int (deprecated) or a timedelta (PTB_TIMEDELTA=true)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = err.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def send_honouring_retry_after(bot: Bot, chat_id: int, text: str) -> None:
    """What an adapter must do: on RetryAfter, wait the given time, then try again."""
    for _ in range(5):
        try:
            await bot.send_message(chat_id, text)
            return
        except RetryAfter as err:
            await asyncio.sleep(retry_seconds(err))
    raise AssertionError("still rate limited after 5 tries")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_scripted_429_raises_retry_after_and_is_honoured(tg: FakeTelegram) -> None:
    tg.push_text(ALICE_ID, ALICE, "hi")
    tg.fail_next("sendMessage", count=2, retry_after=1)

    async def scenario() -> None:
        async with bot_for(tg) as bot:
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(ALICE_ID, "first try")
            assert retry_seconds(caught.value) == 1.0
            await send_honouring_retry_after(bot, ALICE_ID, "hello")

    asyncio.run(scenario())
    calls = tg.calls("sendMessage")
    assert [c.status for c in calls] == [429, 429, 200]
    assert calls[1].retry_after == 1
    assert calls[2].at - calls[1].at >= 1.0, "the retry came only after retry_after"
    assert [m.text for m in tg.sent(ALICE_ID)] == ["hello"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_flood_limits_per_chat_and_pacing(tg: FakeTelegram) -> None:
    tg.push_text(ALICE_ID, ALICE, "hi")
    tg.push_text(BOB_ID, BOB, "hi")
    tg.set_flood_limits(per_chat=1, global_per_second=30)

    async def scenario() -> None:
        async with bot_for(tg) as bot:
            await bot.send_message(ALICE_ID, "one")
            with pytest.raises(RetryAfter):
                await bot.send_message(ALICE_ID, "two, too soon")
            await bot.send_message(BOB_ID, "other chats are not affected")
            await send_honouring_retry_after(bot, ALICE_ID, "two")

    asyncio.run(scenario())
    to_alice = [c for c in tg.calls("sendMessage") if c.params["chat_id"] == ALICE_ID]
    refused = [c for c in to_alice if c.status == 429]
    assert refused and all(c.retry_after == 1 for c in refused)
    delivered = [c.at for c in to_alice if c.status == 200]
    assert delivered[-1] - delivered[0] >= 1.0, "per-chat pacing of 1 msg/s held"
    assert [c.status for c in tg.calls("sendMessage") if c.params["chat_id"] == BOB_ID] == [200]
    assert [m.text for m in tg.sent(ALICE_ID)] == ["one", "two"]


def test_garbage_requests_get_bot_api_errors_not_crashes(tg: FakeTelegram) -> None:
    api = tg.base_url + tg.token
    with httpx.Client(timeout=5) as client:
        bad_limit = client.post(f"{api}/getUpdates", data={"limit": "many"})
        bad_markup = client.post(f"{api}/sendMessage", data={"chat_id": "1", "reply_markup": "{"})
        binary = client.post(f"{api}/sendMessage", content=bytes(range(256)))
        nowhere = client.get(tg.base_url.removesuffix("/bot") + "/nowhere")
        huge = client.post(f"{api}/getMe", data={"x": "y" * 200_000})
    for response in (bad_limit, bad_markup, binary):
        assert response.status_code == 400
        assert response.json()["ok"] is False and response.json()["description"].startswith("Bad")
    assert nowhere.status_code == 404 and nowhere.json()["error_code"] == 404
    assert huge.status_code == 200 and huge.json()["result"]["is_bot"] is True
