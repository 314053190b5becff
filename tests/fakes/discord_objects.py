"""Discord API v10 JSON objects, with field names as in discord.com/developers/docs."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
ALL_PERMISSIONS = str((1 << 53) - 1)
MENTION_RE = re.compile(r"<@!?(\d+)>")

# Channel types (docs: Channel Types).
GUILD_TEXT, DM, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 11, 12
THREAD_TYPES = {10, PUBLIC_THREAD, PRIVATE_THREAD}


class Snowflakes:
    """Real-looking snowflakes: creation time in the top bits, so created_at is right."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = itertools.count()

    def next(self) -> str:
        """A fresh, increasing snowflake as the string Discord sends."""
        with self._lock:
            millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
            return str((millis << 22) | (1 << 17) | (next(self._counter) & 0xFFF))


def iso_now() -> str:
    """An ISO-8601 timestamp as Discord sends them."""
    return dt.datetime.now(dt.UTC).isoformat()


def make_user(user_id: str, name: str, bot: bool = False) -> dict[str, Any]:
    """A User object (new username system: discriminator "0")."""
    user = {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if bot:
        user["bot"] = True
    return user


def make_member(user: dict[str, Any], joined_at: str) -> dict[str, Any]:
    """A Guild Member object (with user)."""
    return {
        "user": user,
        "nick": None,
        "avatar": None,
        "roles": [],
        "joined_at": joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def text_channel(channel_id: str, guild_id: str, name: str, position: int) -> dict[str, Any]:
    """A guild text channel."""
    return {
        "id": channel_id,
        "type": GUILD_TEXT,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "parent_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def dm_channel(channel_id: str, recipient: dict[str, Any]) -> dict[str, Any]:
    """A DM channel with one recipient."""
    return {
        "id": channel_id,
        "type": DM,
        "last_message_id": None,
        "recipients": [recipient],
        "flags": 0,
    }


def thread_channel(
    thread_id: str, parent: dict[str, Any], owner_id: str, name: str, kind: int = PUBLIC_THREAD
) -> dict[str, Any]:
    """A thread under a guild text channel."""
    now = iso_now()
    return {
        "id": thread_id,
        "type": kind,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "owner_id": owner_id,
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now,
            "locked": False,
            "create_timestamp": now,
        },
    }


def make_guild(guild_id: str, name: str, channels: list, members: list, now: str) -> dict:
    """A GUILD_CREATE payload for an available guild (role @everyone has the guild's id)."""
    everyone = {
        "id": guild_id, "name": "@everyone", "color": 0, "colors": {"primary_color": 0},
        "hoist": False, "icon": None, "unicode_emoji": None, "position": 0,
        "permissions": ALL_PERMISSIONS, "managed": False, "mentionable": False, "flags": 0,
        "tags": {},
    }  # fmt: skip
    return {
        "id": guild_id, "name": name, "icon": None, "splash": None, "discovery_splash": None,
        "owner_id": members[0]["user"]["id"], "afk_channel_id": None, "afk_timeout": 300,
        "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "roles": [everyone], "emojis": [], "stickers": [],
        "features": [], "mfa_level": 0, "system_channel_id": None, "system_channel_flags": 0,
        "rules_channel_id": None, "vanity_url_code": None, "description": None,
        "banner": None, "premium_tier": 0, "premium_subscription_count": 0,
        "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
        "premium_progress_bar_enabled": False, "joined_at": now, "large": False,
        "unavailable": False, "member_count": len(members), "voice_states": [],
        "members": members, "channels": channels, "threads": [], "presences": [],
        "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        "application_id": None, "max_members": 500000, "max_video_channel_users": 25,
        "incidents_data": None, "lazy": True,
    }  # fmt: skip


def make_message(
    message_id: str, channel: dict[str, Any], author: dict[str, Any], payload: dict[str, Any]
) -> dict[str, Any]:
    """A Message object from a create payload (content, embeds, components, flags, ...)."""
    content = str(payload.get("content") or "")
    message: dict[str, Any] = {
        "id": message_id,
        "channel_id": channel["id"],
        "author": author,
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(payload.get("tts", False)),
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": payload.get("attachments", []),
        "embeds": payload.get("embeds") or [],
        "pinned": False,
        "type": payload.get("type", 0),
        "flags": int(payload.get("flags") or 0),
        "components": payload.get("components") or [],
    }
    if channel.get("guild_id"):
        message["guild_id"] = channel["guild_id"]
    for key in ("message_reference", "referenced_message", "application_id", "webhook_id",
                "interaction_metadata", "member", "nonce"):  # fmt: skip
        if payload.get(key) is not None:
            message[key] = payload[key]
    return message


@dataclass
class BotPost:
    """A message the bot created (REST send, interaction response or followup)."""

    id: str
    channel_id: str
    via: str
    content: str
    components: list[dict[str, Any]]
    embeds: list[dict[str, Any]]
    flags: int
    sent_at: float
    interaction_id: str | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        """Sent with the EPHEMERAL flag (1 << 6)."""
        return bool(self.flags & 64)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Every button (component type 2) in the message's action rows."""
        found: list[dict[str, Any]] = []
        stack = list(self.components)
        while stack:
            component = stack.pop(0)
            if component.get("type") == 2:
                found.append(component)
            stack[0:0] = component.get("components", [])
        return found

    @property
    def custom_ids(self) -> list[str]:
        """custom_id of every button."""
        return [b["custom_id"] for b in self.buttons if "custom_id" in b]
