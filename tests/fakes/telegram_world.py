"""The state behind the fake Bot API: chats, messages, files, updates, and the methods on them."""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from typing import Any

from tests.fakes.telegram_markup import MarkupError, to_plain, utf16_len
from tests.fakes.telegram_objects import (
    BotMessage,
    StoredFile,
    TgUser,
    make_chat,
    make_message,
    make_user,
    reply_stub,
)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}  # fmt: skip
COMMAND_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON the Bot API answers with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 with the Bot API's "Bad Request: ..." wording."""
    return ApiError(400, f"Bad Request: {detail}")


class TelegramWorld:
    """Chats, messages, files and pending updates; `api_*` methods implement Bot API methods."""

    def __init__(self, token: str, bot_username: str) -> None:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Storyloom Test Bot",
            "username": bot_username,
        }
        self.chats: dict[int, dict[str, Any]] = {}
        self.chat_users: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.bot_messages: list[BotMessage] = []
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.chat_actions: list[tuple[int, str, float]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.updates: list[dict[str, Any]] = []
        self.callback_timeout = 15.0
        self._next_update_id = 1
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._ids = itertools.count(1)

    # -- chats, users, messages -------------------------------------------------------------

    def ensure_chat(
        self, chat_id: int, user: TgUser, chat_type: str, title: str | None
    ) -> tuple[dict, dict]:
        """Register (or fetch) a chat and the user speaking in it."""
        sender = make_user(user)
        if chat_id not in self.chats:
            self.chats[chat_id] = make_chat(chat_id, chat_type, sender, title)
        elif self.chats[chat_id]["type"] != chat_type:
            raise ValueError(f"chat {chat_id} is a {self.chats[chat_id]['type']} chat")
        self.chat_users[chat_id] = sender
        return self.chats[chat_id], sender

    def next_message_id(self, chat_id: int) -> int:
        """Message ids count up per chat, shared by the user's and the bot's messages."""
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def user_message(self, chat: dict, sender: dict, reply_to: int | None, **fields: Any) -> dict:
        """Store a message written by a user and return its JSON."""
        message_id = self.next_message_id(chat["id"])
        replied = None
        if reply_to is not None:
            replied = self.messages.get((chat["id"], reply_to))
            if replied is None:
                raise ValueError(f"no message {reply_to} in chat {chat['id']} to reply to")
            replied = reply_stub(replied)
        message = make_message(message_id, chat, sender, reply_to_message=replied, **fields)
        self.messages[(chat["id"], message_id)] = message
        return message

    def new_file(self, data: bytes, folder: str, suffix: str, **meta: Any) -> StoredFile:
        """Store bytes under a fresh file_id and a downloadable file_path."""
        n = next(self._ids)
        unique = hashlib.sha1(data + str(n).encode()).hexdigest()[:16]
        stored = StoredFile(
            file_id=f"FILE{n}-{unique}",
            file_unique_id=unique,
            file_path=f"{folder}/file_{n}{suffix}",
            data=data,
            **meta,
        )
        self.files[stored.file_id] = stored
        return stored

    def add_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of one kind (message, callback_query, ...) and return it."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self.updates.append(update)
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget updates below offset; a negative offset keeps only the last -offset updates."""
        if offset is None:
            return
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def pending(self, limit: int, allowed: list[str] | None) -> list[dict[str, Any]]:
        """Up to `limit` unconfirmed updates of the allowed kinds."""
        if allowed:
            self.updates = [u for u in self.updates if set(u) - {"update_id"} <= set(allowed)]
        return self.updates[:limit]

    # -- helpers for the methods ------------------------------------------------------------

    def chat(self, params: dict[str, Any]) -> dict[str, Any]:
        """Resolve chat_id (number or @username) to a known chat, as Telegram does."""
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            match = [c for c in self.chats.values() if "@" + str(c.get("username")) == chat_id]
            if not match:
                raise bad_request("chat not found")
            chat_id = match[0]["id"]
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return self.chats[chat_id]

    def message_of(self, params: dict[str, Any], action: str) -> dict[str, Any]:
        """The message that chat_id + message_id point at."""
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by this fake")
        chat = self.chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        message = self.messages.get((chat["id"], message_id))
        if message is None:
            raise bad_request(f"message to {action} not found")
        return message

    def bot_record(self, chat_id: int, message_id: int) -> BotMessage | None:
        """The sent-record of a bot message."""
        for record in self.bot_messages:
            if record.chat_id == chat_id and record.message_id == message_id:
                return record
        return None

    @staticmethod
    def check_markup(markup: Any) -> dict[str, Any] | None:
        """Reject inline keyboards Telegram rejects (bad callback_data, empty buttons)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
        return markup

    @staticmethod
    def plain(text: Any, parse_mode: str | None, what: str, limit: int) -> str:
        """Parse text under parse_mode, enforcing Telegram's emptiness and length rules."""
        try:
            plain = to_plain(str(text or ""), parse_mode)
        except MarkupError as err:
            raise bad_request(f"can't parse entities: {err}") from None
        if what == "text" and not plain.strip():
            raise bad_request("message text is empty")
        if utf16_len(plain) > limit:
            raise bad_request(
                "message is too long" if what == "text" else "message caption is too long"
            )
        return plain

    def reply_target(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        """The message a send replies to (reply_parameters or legacy reply_to_message_id)."""
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = self.messages.get((chat_id, message_id))
        allow = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
        if target is None and not allow:
            raise bad_request("message to be replied not found")
        return reply_stub(target) if target else None

    def store_bot_message(self, method: str, params: dict[str, Any], **fields: Any) -> dict:
        """Create a message from the bot, keep the record a test inspects, return the JSON."""
        chat = self.chat(params)
        markup = self.check_markup(params.get("reply_markup"))
        replied = self.reply_target(chat["id"], params)
        stored: StoredFile | None = fields.pop("stored", None)
        message_id = self.next_message_id(chat["id"])
        message = make_message(
            message_id, chat, self.bot, reply_to_message=replied, reply_markup=markup, **fields
        )
        self.messages[(chat["id"], message_id)] = message
        text = params.get("text")
        self.bot_messages.append(
            BotMessage(
                chat_id=chat["id"],
                message_id=message_id,
                method=method,
                text=None if text is None else str(text),
                parse_mode=params.get("parse_mode"),
                reply_markup=markup,
                sent_at=time.monotonic(),
                caption=params.get("caption"),
                file_id=stored.file_id if stored else None,
                file_name=stored.file_name if stored else None,
                file_bytes=stored.data if stored else None,
                reply_to=replied["message_id"] if replied else None,
                params=dict(params),
            )
        )
        return message

    def file_input(self, value: Any, files: dict[str, tuple[str, str, bytes]], name: str) -> Any:
        """An uploaded part (by name or attach:// URI) or a known file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            value = files.get(value[len("attach://") :])
        elif value is None:
            value = files.get(name)
        if isinstance(value, tuple):
            return value
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise bad_request("wrong file identifier/HTTP URL specified")

    @staticmethod
    def scope_key(params: dict[str, Any]) -> str:
        """Commands are stored per scope and language."""
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)
