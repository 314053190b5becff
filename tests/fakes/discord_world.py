"""The state behind the fake Discord: one guild, users, channels, messages, commands."""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord_objects import (
    MENTION_RE,
    THREAD_TYPES,
    BotPost,
    Snowflakes,
    dm_channel,
    iso_now,
    make_guild,
    make_member,
    make_message,
    make_user,
    text_channel,
    thread_channel,
)

CONTENT_LIMIT = 2000


class DiscordError(Exception):
    """A Discord JSON error answer: HTTP status, JSON error code, message (and form errors)."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON Discord answers with."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def form_error(field_name: str, code: str, message: str) -> DiscordError:
    """A 50035 Invalid Form Body error naming one field."""
    errors = {field_name: {"_errors": [{"code": code, "message": message}]}}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


@dataclass
class InteractionState:
    """A pushed interaction and what the bot answered."""

    payload: dict[str, Any]
    pushed_at: float
    acked: bool = False
    original_id: str | None = None
    followups: list[str] = field(default_factory=list)


class DiscordWorld:
    """Everything the fake Discord knows; methods validate like the real API."""

    def __init__(self, bot_name: str, guild_name: str) -> None:
        self.ids = Snowflakes()
        self.application_id = self.ids.next()
        self.bot_user = make_user(self.application_id, bot_name, bot=True)
        # The application's owner is a user, not a guild member.
        self.owner = make_user(self.ids.next(), "owner")
        self.users: dict[str, dict[str, Any]] = {
            self.bot_user["id"]: self.bot_user,
            self.owner["id"]: self.owner,
        }
        self.guild_id = self.ids.next()
        self.guild_name = guild_name
        self.joined_at = iso_now()
        self.members: dict[str, dict[str, Any]] = {
            self.bot_user["id"]: make_member(self.bot_user, self.joined_at)
        }
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.posts: list[BotPost] = []
        self.commands: dict[str | None, list[dict[str, Any]]] = {None: []}
        self.interactions: dict[str, InteractionState] = {}
        self.typing: list[tuple[str, float]] = []
        # attachments users posted, served at cdn_base/<id>/<name> (set when serving)
        self.attachment_files: dict[str, bytes] = {}
        self.cdn_base = "https://cdn.invalid"
        self.default_channel_id = self.add_channel("general")["id"]

    # -- users and channels -------------------------------------------------------------------

    def add_user(self, name: str) -> dict[str, Any]:
        """A guild member named `name` (created once, then reused)."""
        for user in self.users.values():
            if user["username"] == name:
                return user
        user = make_user(self.ids.next(), name)
        self.users[user["id"]] = user
        self.members[user["id"]] = make_member(user, iso_now())
        return user

    def user(self, who: dict[str, Any] | str) -> dict[str, Any]:
        """A user from a user dict or a username (auto-created)."""
        if isinstance(who, dict):
            return self.users.get(str(who["id"])) or self.add_user(who["username"])
        return self.add_user(who)

    def add_channel(self, name: str) -> dict[str, Any]:
        """A new guild text channel."""
        channel = text_channel(self.ids.next(), self.guild_id, name, len(self.channels))
        self.channels[channel["id"]] = channel
        return channel

    def dm_with(self, user: dict[str, Any]) -> dict[str, Any]:
        """The DM channel with a user (one per user, as on Discord)."""
        for channel in self.channels.values():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == user["id"]:
                return channel
        channel = dm_channel(self.ids.next(), user)
        self.channels[channel["id"]] = channel
        return channel

    def add_thread(self, parent_id: str, owner_id: str, name: str, thread_id: str | None) -> dict:
        """A public thread under a text channel (id = the starter message's id if any)."""
        parent = self.channel(parent_id)
        if parent["type"] != 0:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        thread = thread_channel(thread_id or self.ids.next(), parent, owner_id, name)
        self.channels[thread["id"]] = thread
        return thread

    def channel(self, channel_id: str) -> dict[str, Any]:
        """A known channel or 404 Unknown Channel."""
        channel = self.channels.get(str(channel_id))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def guild_payload(self) -> dict[str, Any]:
        """GUILD_CREATE data: channels, threads, and (as Discord does) only the bot's member.

        member_count is the real total, so a client with the members intent asks for chunks.
        """
        plain = [c for c in self.channels.values() if c["type"] == 0]
        threads = [c for c in self.channels.values() if c["type"] in THREAD_TYPES]
        me = [self.members[self.bot_user["id"]]]
        guild = make_guild(self.guild_id, self.guild_name, plain, me, self.joined_at)
        guild.update(threads=threads, member_count=len(self.members))
        return guild

    # -- messages -----------------------------------------------------------------------------

    def message(self, message_id: str) -> dict[str, Any]:
        """A known message or 404 Unknown Message."""
        message = self.messages.get(str(message_id))
        if message is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    @staticmethod
    def check_payload(payload: dict[str, Any], files: dict[str, bytes], creating: bool) -> None:
        """Reject what Discord rejects: empty messages, long content, bad components."""
        content = payload.get("content")
        if content is not None and len(str(content)) > CONTENT_LIMIT:
            raise form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        has_body = content or payload.get("embeds") or payload.get("components")
        if creating and not (
            has_body or files or payload.get("sticker_ids") or payload.get("poll")
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        for row in payload.get("components") or []:
            children = row.get("components", [])
            if row.get("type") == 1 and not 1 <= len(children) <= 5:
                raise form_error(
                    "components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
                )
            for child in children:
                if len(str(child.get("custom_id", ""))) > 100:
                    raise form_error(
                        "custom_id", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
                    )

    def create_message(
        self, channel: dict, author: dict, payload: dict, files: dict[str, bytes] | None = None
    ) -> dict[str, Any]:
        """Store a message in a channel (user or bot) and return its JSON."""
        payload = dict(payload)
        payload["attachments"] = []
        for name, data in (files or {}).items():
            ident = self.ids.next()
            self.attachment_files[ident] = data
            url = f"{self.cdn_base}/{ident}/{name}"
            kind = mimetypes.guess_type(name)[0]
            payload["attachments"].append(
                {"id": ident, "filename": name, "size": len(data), "url": url, "proxy_url": url,
                 **({"content_type": kind} if kind else {})})
        if channel.get("guild_id") and author["id"] in self.members:
            member = dict(self.members[author["id"]])
            member.pop("user")
            payload["member"] = member
        message = make_message(self.ids.next(), channel, author, payload)
        message["mentions"] = [
            self.users[uid] for uid in MENTION_RE.findall(message["content"]) if uid in self.users
        ]
        self.messages[message["id"]] = message
        channel["last_message_id"] = message["id"]
        if channel["type"] in THREAD_TYPES:
            channel["message_count"] += 1
        return message

    def record_post(
        self, message: dict, via: str, files: dict[str, bytes], interaction: str | None
    ) -> None:
        """Keep a test-facing record of a bot-created message."""
        self.posts.append(
            BotPost(
                id=message["id"],
                channel_id=message["channel_id"],
                via=via,
                content=message["content"],
                components=message["components"],
                embeds=message["embeds"],
                flags=message["flags"],
                sent_at=time.monotonic(),
                interaction_id=interaction,
                files=dict(files),
            )
        )

    def edit_message(self, message: dict, payload: dict) -> dict[str, Any]:
        """Apply an edit to a stored message (and to its BotPost)."""
        for key in ("content", "embeds", "components", "flags"):
            if key in payload and payload[key] is not None:
                message[key] = payload[key]
        message["flags"] = int(message.get("flags", 0)) & ~128
        message["edited_timestamp"] = iso_now()
        for post in self.posts:
            if post.id == message["id"]:
                post.content = message["content"]
                post.components = message["components"]
                post.embeds = message["embeds"]
                post.flags = message["flags"]
                post.edits.append(dict(payload))
        return message

    def delete_message(self, message_id: str) -> dict[str, Any]:
        """Remove a message; its BotPost is marked deleted."""
        message = self.message(message_id)
        del self.messages[message["id"]]
        for post in self.posts:
            if post.id == message["id"]:
                post.deleted = True
        return message
