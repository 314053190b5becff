"""Real python-telegram-bot 22.8 Applications against the fake Bot API: handlers and files."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
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

    app = tg.application_builder().build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, edited))
    app.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, echo)
    )
    app.add_handler(CallbackQueryHandler(pressed))
    return app


def test_echo_bot_answers_commands_and_text(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with tg.polling(echo_app(tg)):
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
        async with tg.polling(echo_app(tg)):
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
        async with tg.polling(echo_app(tg)):
            first = tg.push_text(ALICE_ID, ALICE, "we met in 1999")
            await tg.wait_for_sent(ALICE_ID)
            tg.push_edited_message(ALICE_ID, first["message_id"], "we met in 1998")
            sent = await tg.wait_for_sent(ALICE_ID, count=2)
            assert sent[1].text == "noticed edit: we met in 1998"

    asyncio.run(scenario())


def test_group_commands_must_name_this_bot(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with tg.polling(echo_app(tg)):
            tg.push_command(GROUP, BOB, "start", chat_type="group", address_bot=False)
            tg.push_text(GROUP, BOB, "/start@some_other_bot", chat_type="group")
            tg.push_command(GROUP, BOB, "start", chat_type="group")
            await tg.wait_for_sent(GROUP)
            await tg.wait_for(lambda: tg.pending_updates() == 0)

    asyncio.run(scenario())
    # /start without @ is still a command in PTB; the one for another bot is not ours.
    assert [m.text for m in tg.sent(GROUP)] == ["<b>Welcome</b>", "<b>Welcome</b>"]


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
        app = tg.application_builder().build()
        app.add_handler(MessageHandler(filters.PHOTO, on_photo))
        app.add_handler(MessageHandler(filters.ALL, on_other))
        async with tg.polling(app):
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
        async with tg.bot() as bot:
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
