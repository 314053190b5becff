"""Bot API methods (everything except getUpdates, which the server long-polls itself)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.fakes.telegram_objects import StoredFile
from tests.fakes.telegram_world import (
    CAPTION_LIMIT,
    CHAT_ACTIONS,
    COMMAND_NAME_CHARS,
    TEXT_LIMIT,
    ApiError,
    TelegramWorld,
    bad_request,
)

Files = dict[str, tuple[str, str, bytes]]
BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024
Method = Callable[[TelegramWorld, dict[str, Any], Files], Any]


def get_me(world: TelegramWorld, params: dict, files: Files) -> dict:
    """getMe: the bot user with its capability flags."""
    return {
        **world.bot,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def ok(world: TelegramWorld, params: dict, files: Files) -> bool:
    """Methods that only acknowledge (logOut, close)."""
    return True


def set_webhook(world: TelegramWorld, params: dict, files: Files) -> bool:
    """setWebhook: remember the URL; getUpdates then answers 409 as on Telegram."""
    url = params.get("url") or ""
    world.webhook = {**params, "url": url} if url else None
    return True


def delete_webhook(world: TelegramWorld, params: dict, files: Files) -> bool:
    """deleteWebhook, optionally dropping pending updates."""
    world.webhook = None
    if params.get("drop_pending_updates"):
        world.updates.clear()
    return True


def get_webhook_info(world: TelegramWorld, params: dict, files: Files) -> dict:
    """getWebhookInfo."""
    return {
        "url": (world.webhook or {}).get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }


def send_message(world: TelegramWorld, params: dict, files: Files) -> dict:
    """sendMessage with parse_mode checks, inline keyboards and replies."""
    plain = world.plain(params.get("text"), params.get("parse_mode"), "text", TEXT_LIMIT)
    return world.store_bot_message("sendMessage", params, text=plain)


def _send_file(field: str, folder: str) -> Method:
    def send(world: TelegramWorld, params: dict, files: Files) -> dict:
        caption = params.get("caption")
        plain = None
        if caption is not None:
            plain = world.plain(caption, params.get("parse_mode"), "caption", CAPTION_LIMIT)
        value = world.file_input(params.get(field), files, field)
        if isinstance(value, StoredFile):
            stored = value
        else:
            name, mime, data = value
            suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
            stored = world.new_file(data, folder, suffix, file_name=name, mime_type=mime)
        meta = {k: v for k, v in stored.meta().items() if k != "file_path"}
        if field == "photo":
            payload: Any = [{**meta, "width": 800, "height": 600}]
        else:
            payload = {**meta, "file_name": stored.file_name, "mime_type": stored.mime_type}
            payload = {k: v for k, v in payload.items() if v is not None}
        method = "send" + field.capitalize()
        return world.store_bot_message(
            method, params, caption=plain, stored=stored, **{field: payload}
        )

    return send


def edit_message_text(world: TelegramWorld, params: dict, files: Files) -> dict:
    """editMessageText; refuses unchanged content with "message is not modified"."""
    message = world.message_of(params, "edit")
    if message["from"]["id"] != world.bot["id"]:
        raise bad_request("message can't be edited")
    plain = world.plain(params.get("text"), params.get("parse_mode"), "text", TEXT_LIMIT)
    markup = world.check_markup(params.get("reply_markup"))
    return _apply_edit(world, message, params, {"text": plain}, markup)


def edit_message_reply_markup(world: TelegramWorld, params: dict, files: Files) -> dict:
    """editMessageReplyMarkup; an absent reply_markup removes the keyboard."""
    message = world.message_of(params, "edit")
    markup = world.check_markup(params.get("reply_markup"))
    return _apply_edit(world, message, params, {}, markup)


def _apply_edit(
    world: TelegramWorld, message: dict, params: dict, fields: dict, markup: Any
) -> dict:
    unchanged = all(message.get(k) == v for k, v in fields.items())
    if unchanged and message.get("reply_markup") == markup:
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    message.update(fields)
    message.pop("reply_markup", None)
    if markup is not None:
        message["reply_markup"] = markup
    message["edit_date"] = int(time.time())
    record = world.bot_record(message["chat"]["id"], message["message_id"])
    if record is not None:
        record.edits.append(dict(params))
        if "text" in params:
            record.text = str(params["text"])
            record.parse_mode = params.get("parse_mode")
        record.reply_markup = markup
    return message


def delete_message(world: TelegramWorld, params: dict, files: Files) -> bool:
    """deleteMessage."""
    message = world.message_of(params, "delete")
    key = (message["chat"]["id"], message["message_id"])
    del world.messages[key]
    record = world.bot_record(*key)
    if record is not None:
        record.deleted = True
    return True


def answer_callback_query(world: TelegramWorld, params: dict, files: Files) -> bool:
    """answerCallbackQuery; late, repeated or unknown answers fail as on Telegram."""
    query = world.callbacks.get(str(params.get("callback_query_id")))
    late = query is not None and time.monotonic() - query["pushed_at"] > world.callback_timeout
    if query is None or late or query["answered_at"] is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    query["answered_at"] = time.monotonic()
    query["answer"] = dict(params)
    return True


def send_chat_action(world: TelegramWorld, params: dict, files: Files) -> bool:
    """sendChatAction."""
    chat = world.chat(params)
    action = params.get("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    world.chat_actions.append((chat["id"], str(action), time.monotonic()))
    return True


def set_my_commands(world: TelegramWorld, params: dict, files: Files) -> bool:
    """setMyCommands with Telegram's command-name rules."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for entry in commands:
        name = str(entry.get("command", ""))
        description = str(entry.get("description", ""))
        if not 1 <= len(name) <= 32 or not set(name) <= COMMAND_NAME_CHARS:
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request(
                "command description is empty" if not description else "BOT_COMMAND_INVALID"
            )
    world.commands[world.scope_key(params)] = [dict(c) for c in commands]
    return True


def get_my_commands(world: TelegramWorld, params: dict, files: Files) -> list:
    """getMyCommands."""
    return world.commands.get(world.scope_key(params), [])


def delete_my_commands(world: TelegramWorld, params: dict, files: Files) -> bool:
    """deleteMyCommands."""
    world.commands.pop(world.scope_key(params), None)
    return True


def get_file(world: TelegramWorld, params: dict, files: Files) -> dict:
    """getFile: file_path is relative; PTB prefixes it with base_file_url."""
    stored = world.files.get(str(params.get("file_id")))
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > BOT_DOWNLOAD_LIMIT:  # bots may download files of up to 20 MB
        raise bad_request("file is too big")
    return stored.meta()


METHODS: dict[str, Method] = {
    "getme": get_me,
    "logout": ok,
    "close": ok,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "sendmessage": send_message,
    "senddocument": _send_file("document", "documents"),
    "sendphoto": _send_file("photo", "photos"),
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
    "sendchataction": send_chat_action,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getfile": get_file,
}

__all__ = ["METHODS", "ApiError", "Files"]
