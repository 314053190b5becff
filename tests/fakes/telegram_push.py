"""Scripted users: the push_* helpers that queue Bot API updates for getUpdates."""

from __future__ import annotations

import copy
import hashlib
import time
from typing import Any

from tests.fakes._server import Recorder
from tests.fakes.telegram_objects import TgUser, make_user, text_entities
from tests.fakes.telegram_world import TelegramWorld


class TelegramPushes:
    """Mixin for FakeTelegram: each push stores the user's message and queues an update."""

    world: TelegramWorld
    recorder: Recorder

    def _updates_changed(self) -> None:
        raise NotImplementedError

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update of one kind (escape hatch for update types without a helper)."""
        with self.recorder.lock:
            update = copy.deepcopy(self.world.add_update(kind, payload))
        self._updates_changed()
        return update

    def _push_message(
        self,
        chat_id: int,
        user: TgUser,
        where: dict[str, Any],
        **fields: Any,
    ) -> dict[str, Any]:
        with self.recorder.lock:
            chat, sender = self.world.ensure_chat(
                chat_id, user, where.get("chat_type", "private"), where.get("title")
            )
            message = self.world.user_message(chat, sender, where.get("reply_to"), **fields)
            self.world.add_update("message", copy.deepcopy(message))
        self._updates_changed()
        return copy.deepcopy(message)

    def push_text(
        self,
        chat_id: int,
        user: TgUser,
        text: str,
        chat_type: str = "private",
        reply_to: int | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """A user writes `text` (bot_command/mention entities computed); returns the Message."""
        where = {"chat_type": chat_type, "reply_to": reply_to, "title": title}
        return self._push_message(
            chat_id, user, where, text=text, entities=text_entities(text) or None
        )

    def push_command(
        self,
        chat_id: int,
        user: TgUser,
        command: str,
        args: str = "",
        chat_type: str = "private",
        address_bot: bool | None = None,
        title: str | None = None,
    ) -> dict[str, Any]:
        """A user sends /command [args]; in groups it is addressed /command@bot by default."""
        text = "/" + command.lstrip("/")
        if address_bot if address_bot is not None else chat_type != "private":
            text += "@" + self.world.bot["username"]
        if args:
            text += " " + args
        return self.push_text(chat_id, user, text, chat_type=chat_type, title=title)

    def push_callback(
        self,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        user: TgUser | None = None,
        strict: bool = True,
    ) -> str:
        """A user presses an inline button of a bot message; returns the callback query id.

        With strict (default) the button must exist on the message now, as in a real client.
        """
        with self.recorder.lock:
            records = [
                r for r in self.world.bot_messages
                if r.message_id == message_id and not r.deleted
                and (chat_id is None or r.chat_id == chat_id)
            ]  # fmt: skip
            if len(records) != 1:
                raise ValueError(f"{len(records)} live bot messages match id {message_id}")
            record = records[0]
            if strict and data not in record.callback_data:
                raise ValueError(f"message {message_id} has no button with that callback_data")
            sender = make_user(user) if user is not None else self.world.chat_users[record.chat_id]
            query_id = (
                str(len(self.world.callbacks) + 1) + hashlib.sha1(data.encode()).hexdigest()[:8]
            )
            message = self.world.messages[(record.chat_id, message_id)]
            query = {
                "id": query_id,
                "from": sender,
                "message": copy.deepcopy(message),
                "chat_instance": str(abs(hash(record.chat_id)) % 10**12),
                "data": data,
            }
            self.world.callbacks[query_id] = {
                "pushed_at": time.monotonic(), "answered_at": None, "answer": None,
            }  # fmt: skip
            self.world.add_update("callback_query", query)
        self._updates_changed()
        return query_id

    def push_edited_message(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The user edits an earlier text message; queues an edited_message update."""
        with self.recorder.lock:
            message = self.world.messages.get((chat_id, message_id))
            if message is None or message["from"]["is_bot"]:
                raise ValueError(f"no user message {message_id} in chat {chat_id}")
            message["text"] = text
            message.pop("entities", None)
            if entities := text_entities(text):
                message["entities"] = entities
            message["edit_date"] = int(time.time())
            self.world.add_update("edited_message", copy.deepcopy(message))
        self._updates_changed()
        return copy.deepcopy(message)

    def push_photo(
        self,
        chat_id: int,
        user: TgUser,
        photo: bytes,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
        **where: Any,
    ) -> dict[str, Any]:
        """A user sends a photo (two sizes, both downloadable via getFile)."""
        with self.recorder.lock:
            sizes = []
            for scale in (4, 1):
                stored = self.world.new_file(photo, "photos", ".jpg", mime_type="image/jpeg")
                meta = {k: v for k, v in stored.meta().items() if k != "file_path"}
                sizes.append({**meta, "width": width // scale, "height": height // scale})
        return self._push_message(chat_id, user, where, photo=sizes, **_caption(caption))

    def push_document(
        self,
        chat_id: int,
        user: TgUser,
        data: bytes,
        file_name: str = "notes.txt",
        mime_type: str = "text/plain",
        caption: str | None = None,
        **where: Any,
    ) -> dict[str, Any]:
        """A user sends a document."""
        with self.recorder.lock:
            stored = self.world.new_file(
                data, "documents", "", file_name=file_name, mime_type=mime_type
            )
        meta = {k: v for k, v in stored.meta().items() if k != "file_path"}
        document = {**meta, "file_name": file_name, "mime_type": mime_type}
        return self._push_message(chat_id, user, where, document=document, **_caption(caption))

    def push_sticker(self, chat_id: int, user: TgUser, emoji: str = "🙂", **where: Any) -> dict:
        """A user sends a sticker."""
        with self.recorder.lock:
            stored = self.world.new_file(b"RIFF-webp-sticker", "stickers", ".webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.data),
        }
        return self._push_message(chat_id, user, where, sticker=sticker)

    def push_voice(
        self,
        chat_id: int,
        user: TgUser,
        data: bytes = b"OggS\x00voice",
        duration: int = 3,
        **where: Any,
    ) -> dict[str, Any]:
        """A user sends a voice note."""
        with self.recorder.lock:
            stored = self.world.new_file(data, "voice", ".oga", mime_type="audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._push_message(chat_id, user, where, voice=voice)

    def push_forwarded(
        self, chat_id: int, user: TgUser, text: str, origin: TgUser | None = None, **where: Any
    ) -> dict[str, Any]:
        """A user forwards someone's text; origin None means a hidden user."""
        date = int(time.time()) - 3600
        if origin is None:
            forward = {"type": "hidden_user", "date": date, "sender_user_name": "Hidden"}
        else:
            forward = {"type": "user", "date": date, "sender_user": make_user(origin)}
        return self._push_message(
            chat_id, user, where, text=text, entities=text_entities(text) or None,
            forward_origin=forward,
        )  # fmt: skip


def _caption(caption: str | None) -> dict[str, Any]:
    if caption is None:
        return {}
    return {"caption": caption, "caption_entities": text_entities(caption) or None}
