"""Discord REST v10 routes discord.py uses: users, commands, channels, messages, threads, DMs."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes._server import Recorder
from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_objects import THREAD_TYPES
from tests.fakes.discord_world import DiscordError, DiscordWorld

COMMAND_NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")


@dataclass
class RestRequest:
    """What a route handler needs from the HTTP request."""

    match: dict[str, str]
    query: dict[str, str]
    json: Any
    files: dict[str, bytes] = field(default_factory=dict)


Answer = tuple[int, Any]
Handler = Callable[[RestRequest], Awaitable[Answer]]


class DiscordRest:
    """Route handlers; each returns (status, JSON) or raises DiscordError."""

    def __init__(self, world: DiscordWorld, recorder: Recorder, gateway: Gateway) -> None:
        self.world = world
        self.recorder = recorder
        self.gateway = gateway
        self.echo_bot_messages = True
        self.gateway_url = ""

    def routes(self) -> list[tuple[str, str, Handler, bool]]:
        """(method, path, handler, needs bot auth); static paths before templated ones."""
        app = "/applications/{application_id}"
        guild_commands = app + "/guilds/{guild_id}/commands"
        message = "/channels/{channel_id}/messages/{message_id}"
        return [
            ("GET", "/users/@me", self.get_me, True),
            ("POST", "/users/@me/channels", self.create_dm, True),
            ("GET", "/users/{user_id}", self.get_user, True),
            ("GET", "/gateway", self.get_gateway, False),
            ("GET", "/gateway/bot", self.get_gateway_bot, True),
            ("GET", "/oauth2/applications/@me", self.app_info, True),
            ("GET", "/applications/@me", self.app_info, True),
            ("GET", app + "/commands", self.get_commands, True),
            ("PUT", app + "/commands", self.put_commands, True),
            ("GET", guild_commands, self.get_commands, True),
            ("PUT", guild_commands, self.put_commands, True),
            ("GET", "/channels/{channel_id}", self.get_channel, True),
            ("POST", "/channels/{channel_id}/messages", self.create_message, True),
            ("GET", message, self.get_message, True),
            ("PATCH", message, self.edit_message, True),
            ("DELETE", message, self.delete_message, True),
            ("POST", "/channels/{channel_id}/typing", self.typing, True),
            ("POST", "/channels/{channel_id}/threads", self.start_thread, True),
            ("POST", message + "/threads", self.start_thread, True),
        ]  # fmt: skip

    async def echo(self, event: str, data: dict[str, Any]) -> None:
        """Discord tells the bot about its own messages too (an echo bot must ignore itself)."""
        if self.echo_bot_messages:
            await self.gateway.dispatch(event, data)

    # -- identity -----------------------------------------------------------------------------

    async def get_me(self, req: RestRequest) -> Answer:
        """GET /users/@me."""
        return 200, {**self.world.bot_user, "verified": True, "mfa_enabled": False, "email": None}

    async def get_user(self, req: RestRequest) -> Answer:
        """GET /users/{user_id}."""
        user = self.world.users.get(req.match["user_id"])
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return 200, user

    async def get_gateway(self, req: RestRequest) -> Answer:
        """GET /gateway."""
        return 200, {"url": self.gateway_url}

    async def get_gateway_bot(self, req: RestRequest) -> Answer:
        """GET /gateway/bot."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    async def app_info(self, req: RestRequest) -> Answer:
        """GET /oauth2/applications/@me."""
        owner = self.world.owner
        return 200, {
            "id": self.world.application_id, "name": self.world.bot_user["username"],
            "icon": None, "description": "", "summary": "", "type": None,
            "bot_public": True, "bot_require_code_grant": False, "owner": owner,
            "verify_key": "0" * 64, "team": None, "flags": 0, "hook": True,
            "interactions_endpoint_url": None, "role_connections_verification_url": None,
            "tags": [], "redirect_uris": [], "approximate_guild_count": 1,
            "integration_types_config": {"0": {}}, "bot": self.world.bot_user,
        }  # fmt: skip

    # -- application commands -----------------------------------------------------------------

    def _app_check(self, req: RestRequest) -> str | None:
        if req.match["application_id"] != self.world.application_id:
            raise DiscordError(
                403, 20012, "You are not authorized to perform this action on this application"
            )
        guild_id = req.match.get("guild_id")
        if guild_id is not None and guild_id != self.world.guild_id:
            raise DiscordError(403, 50001, "Missing Access")
        return guild_id

    async def get_commands(self, req: RestRequest) -> Answer:
        """GET the registered global or guild commands."""
        guild_id = self._app_check(req)
        with self.recorder.lock:
            return 200, copy.deepcopy(self.world.commands.get(guild_id, []))

    async def put_commands(self, req: RestRequest) -> Answer:
        """PUT (bulk overwrite) global or guild commands, validating names and descriptions."""
        guild_id = self._app_check(req)
        if not isinstance(req.json, list):
            raise DiscordError(400, 50035, "Invalid Form Body")
        with self.recorder.lock:
            old = {c["name"]: c["id"] for c in self.world.commands.get(guild_id, [])}
            stored = [self._command(c, old, guild_id) for c in req.json]
            self.world.commands[guild_id] = stored
            return 200, copy.deepcopy(stored)

    def _command(self, payload: dict, old: dict[str, str], guild_id: str | None) -> dict:
        name = str(payload.get("name", ""))
        kind = payload.get("type", 1)
        if kind == 1 and not COMMAND_NAME_RE.match(name):
            raise DiscordError(
                400, 50035, "Invalid Form Body", {"name": "APPLICATION_COMMAND_INVALID_NAME"}
            )
        if kind == 1 and not 1 <= len(payload.get("description") or "") <= 100:
            raise DiscordError(
                400, 50035, "Invalid Form Body", {"description": "BASE_TYPE_BAD_LENGTH"}
            )
        command = {
            "id": old.get(name) or self.world.ids.next(),
            "application_id": self.world.application_id,
            "version": self.world.ids.next(),
            "type": kind,
            "default_member_permissions": None,
            "nsfw": False,
            "options": [],
            **payload,
        }
        if guild_id is not None:
            command["guild_id"] = guild_id
        return command

    # -- channels and messages ----------------------------------------------------------------

    async def get_channel(self, req: RestRequest) -> Answer:
        """GET /channels/{channel_id}."""
        with self.recorder.lock:
            return 200, copy.deepcopy(self.world.channel(req.match["channel_id"]))

    async def create_message(self, req: RestRequest) -> Answer:
        """POST /channels/{channel_id}/messages (JSON or multipart with files)."""
        payload = dict(req.json or {})
        with self.recorder.lock:
            channel = self.world.channel(req.match["channel_id"])
            self.world.check_payload(payload, req.files, creating=True)
            reference = payload.get("message_reference")
            if reference:
                referenced = self.world.message(reference["message_id"])
                payload.update(type=19, referenced_message=copy.deepcopy(referenced))
            message = self.world.create_message(channel, self.world.bot_user, payload, req.files)
            self.world.record_post(message, "rest", req.files, None)
            message = copy.deepcopy(message)
        await self.echo("MESSAGE_CREATE", message)
        return 200, message

    def _own_message(self, req: RestRequest) -> dict[str, Any]:
        message = self.world.message(req.match["message_id"])
        if message["channel_id"] != req.match["channel_id"]:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def get_message(self, req: RestRequest) -> Answer:
        """GET a message."""
        with self.recorder.lock:
            return 200, copy.deepcopy(self._own_message(req))

    async def edit_message(self, req: RestRequest) -> Answer:
        """PATCH a message the bot wrote."""
        payload = dict(req.json or {})
        with self.recorder.lock:
            message = self._own_message(req)
            if message["author"]["id"] != self.world.bot_user["id"]:
                raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
            self.world.check_payload(payload, req.files, creating=False)
            message = copy.deepcopy(self.world.edit_message(message, payload))
        await self.echo("MESSAGE_UPDATE", message)
        return 200, message

    async def delete_message(self, req: RestRequest) -> Answer:
        """DELETE a message."""
        with self.recorder.lock:
            message = self.world.delete_message(self._own_message(req)["id"])
        gone = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            gone["guild_id"] = message["guild_id"]
        await self.echo("MESSAGE_DELETE", gone)
        return 204, None

    async def typing(self, req: RestRequest) -> Answer:
        """POST /channels/{channel_id}/typing."""
        with self.recorder.lock:
            channel = self.world.channel(req.match["channel_id"])
            self.world.typing.append((channel["id"], time.monotonic()))
        return 204, None

    async def start_thread(self, req: RestRequest) -> Answer:
        """Start a thread, standalone or from a message (then the thread id is the message id)."""
        payload = dict(req.json or {})
        name = str(payload.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise DiscordError(400, 50035, "Invalid Form Body", {"name": "BASE_TYPE_BAD_LENGTH"})
        with self.recorder.lock:
            starter = req.match.get("message_id")
            if starter is not None:
                self._own_message(req)
                if starter in self.world.channels:
                    raise DiscordError(
                        400, 160004, "A thread has already been created for this message"
                    )
            thread = self.world.add_thread(
                req.match["channel_id"], self.world.bot_user["id"], name, starter
            )
            kind = payload.get("type")
            if starter is None and kind in THREAD_TYPES:
                thread["type"] = kind
            thread = copy.deepcopy(thread)
        member = {
            "id": thread["id"],
            "user_id": self.world.bot_user["id"],
            "join_timestamp": thread["thread_metadata"]["create_timestamp"],
            "flags": 1,
        }
        await self.gateway.dispatch(
            "THREAD_CREATE", {**thread, "newly_created": True, "member": member}
        )
        return 201, thread

    async def create_dm(self, req: RestRequest) -> Answer:
        """POST /users/@me/channels."""
        recipient = str((req.json or {}).get("recipient_id"))
        with self.recorder.lock:
            user = self.world.users.get(recipient)
            if user is None or user.get("bot"):
                raise DiscordError(400, 50033, "Invalid Recipient(s)")
            return 200, copy.deepcopy(self.world.dm_with(user))
