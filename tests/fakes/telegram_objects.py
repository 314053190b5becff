"""Bot API JSON objects (field names exactly as in core.telegram.org/bots/api) and sent records."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_markup import utf16_len

TgUser = int | dict[str, Any]

# Telegram marks "/cmd" and "/cmd@bot" anywhere after whitespace, and "@name" mentions.
COMMAND_RE = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")


def make_user(user: TgUser) -> dict[str, Any]:
    """A Bot API User from an id or a partial dict."""
    if isinstance(user, int):
        return {
            "id": user,
            "is_bot": False,
            "first_name": f"User{user}",
            "username": f"user{user}",
            "language_code": "en",
        }
    full = {"is_bot": False, "first_name": f"User{user['id']}"}
    full.update(user)
    return full


def make_chat(chat_id: int, chat_type: str, user: dict[str, Any], title: str | None) -> dict:
    """A Bot API Chat; private chats carry the user's names, groups a title."""
    if chat_type == "private":
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            chat["username"] = user["username"]
        return chat
    if chat_type not in ("group", "supergroup", "channel"):
        raise ValueError(f"unknown chat type {chat_type!r}")
    return {"id": chat_id, "type": chat_type, "title": title or f"Chat {chat_id}"}


def text_entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities as Telegram computes them (UTF-16 offsets)."""
    found = [(m, "bot_command") for m in COMMAND_RE.finditer(text)]
    found += [(m, "mention") for m in MENTION_RE.finditer(text)]
    found.sort(key=lambda pair: pair[0].start())
    return [
        {
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
            "type": kind,
        }
        for m, kind in found
    ]


def make_message(
    message_id: int, chat: dict[str, Any], sender: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """A Bot API Message; None-valued fields are left out, as the real API does."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": sender,
        "chat": chat,
        "date": int(time.time()),
    }
    message.update({k: v for k, v in fields.items() if v is not None})
    return message


def with_text(message: dict[str, Any], text: str, key: str = "text") -> dict[str, Any]:
    """Set text (or caption) and its computed entities on a message."""
    message[key] = text
    entities = text_entities(text)
    entity_key = "entities" if key == "text" else "caption_entities"
    if entities:
        message[entity_key] = entities
    else:
        message.pop(entity_key, None)
    return message


def reply_stub(message: dict[str, Any]) -> dict[str, Any]:
    """The replied-to message as embedded in reply_to_message (one level deep)."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


@dataclass
class BotMessage:
    """A message the bot sent, with what it asked for (raw text, parse_mode, keyboard)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    sent_at: float
    caption: str | None = None
    file_id: str | None = None
    file_name: str | None = None
    file_bytes: bytes | None = None
    reply_to: int | None = None
    deleted: bool = False
    edits: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons, row by row flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        """callback_data of every inline button."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass(frozen=True)
class StoredFile:
    """A file known to the fake: uploaded by the bot or pushed as a user's photo/document."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None

    def meta(self) -> dict[str, Any]:
        """The File object getFile answers (file_path relative, as the real API sends)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }
