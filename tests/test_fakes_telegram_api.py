"""The fake Bot API's protocol semantics, exercised through a real python-telegram-bot Bot."""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
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
    """The update's message."""
    assert update.effective_message is not None
    return update.effective_message


def test_long_poll_holds_until_an_update_arrives(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with tg.bot() as bot:
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
        async with tg.bot() as bot:
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


def test_api_rejects_what_telegram_rejects(tg: FakeTelegram) -> None:
    tg.push_text(ALICE_ID, ALICE, "hi")

    async def scenario() -> None:
        async with tg.bot() as bot:
            with pytest.raises(BadRequest, match="(?i)character '.' is reserved"):
                await bot.send_message(ALICE_ID, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
            ok = await bot.send_message(ALICE_ID, "*Done*\\.", parse_mode=ParseMode.MARKDOWN_V2)
            assert ok.text == "Done."
            with pytest.raises(BadRequest, match="(?i)can't parse entities"):
                await bot.send_message(ALICE_ID, "<b>open", parse_mode=ParseMode.HTML)
            menu = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
            await bot.edit_message_reply_markup(ALICE_ID, ok.message_id, reply_markup=menu)
            await bot.edit_message_reply_markup(ALICE_ID, ok.message_id, reply_markup=None)
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
    assert [c.status for c in tg.calls("editMessageReplyMarkup")] == [200, 200]
    (done,) = tg.sent(ALICE_ID)
    assert done.reply_markup is None and len(done.edits) == 2
    assert [m.text for m in tg.sent(ALICE_ID)] == ["*Done*\\."]


def test_commands_webhook_and_token_checks(tg: FakeTelegram) -> None:
    async def scenario() -> None:
        async with tg.bot() as bot:
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
            async with tg.application_builder().token("999:WRONG").build():
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
        async with tg.bot() as bot:
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
        async with tg.bot() as bot:
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
