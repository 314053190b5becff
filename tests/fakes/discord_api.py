"""A fake Discord (REST v10 + gateway websocket) on 127.0.0.1 for discord.py run for real.

with FakeDiscord() as dc, dc.patched():
    asyncio.run(scenario(dc))   # a discord.Client started with dc.token
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from tests.fakes._server import Call, Recorder, ServerThread
from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_http import API_PREFIX, RestGate
from tests.fakes.discord_interactions import (
    APPLICATION_COMMAND,
    MESSAGE_COMPONENT,
    base_interaction,
    command_data,
    component_data,
    find_command,
)
from tests.fakes.discord_objects import BotPost
from tests.fakes.discord_rest import DiscordRest
from tests.fakes.discord_webhooks import InteractionAck, InteractionRest
from tests.fakes.discord_world import DiscordWorld, InteractionState
from tests.fakes.ratelimit import FloodGate

if TYPE_CHECKING:
    import discord

T = TypeVar("T")
ClientT = TypeVar("ClientT", bound="discord.Client")
Who = dict[str, Any] | str


class FakeDiscord:
    """One guild (#general), a bot application, users you name, and the bot's view of them."""

    def __init__(
        self,
        token: str = "MTAxNTc.fake.discord-token",
        bot_name: str = "storyloom-bot",
        guild_name: str = "Storyloom Test Guild",
    ) -> None:
        self.token = token
        self.recorder = Recorder()
        self.world = DiscordWorld(bot_name, guild_name)
        self.gate = FloodGate()
        self.gateway = Gateway(self.world, self.recorder, token, lambda: self.gateway_url)
        self.rest = DiscordRest(self.world, self.recorder, self.gateway)
        self.interactions_rest = InteractionRest(self.rest)
        app = web.Application(client_max_size=25 * 1024 * 1024)
        http = RestGate(token, self.recorder, self.gate)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{ident}/{name}", self._attachment)
        for method, path, handler, auth in self.rest.routes() + self.interactions_rest.routes():
            app.router.add_route(method, API_PREFIX + path, http.wrap(method, path, handler, auth))
        app.router.add_route("*", "/{tail:.*}", http.not_found)
        self._server = ServerThread(app, "fake-discord")

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeDiscord:
        """Start serving on an ephemeral port."""
        self._server.start(on_stop=self.gateway.close_all)
        self.rest.gateway_url = self.gateway_url
        self.world.cdn_base = f"http://127.0.0.1:{self._server.port}/attachments"
        return self

    async def _attachment(self, request: web.Request) -> web.Response:
        """A posted attachment's bytes (Discord's CDN)."""
        data = self.world.attachment_files.get(request.match_info["ident"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    def stop(self) -> None:
        """Close websockets and stop serving."""
        self._server.stop()

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_base(self) -> str:
        """Value for discord.http.Route.BASE."""
        return f"http://127.0.0.1:{self._server.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Value for DiscordWebSocket.DEFAULT_GATEWAY; discord.py appends ?v=10&encoding=json&..."""
        return f"ws://127.0.0.1:{self._server.port}/gateway"

    @contextlib.contextmanager
    def patched(self) -> Iterator[FakeDiscord]:
        """Point discord.py at this fake (REST base and default gateway), restoring after."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @contextlib.asynccontextmanager
    async def running(self, client: ClientT, timeout: float = 10.0) -> AsyncIterator[ClientT]:
        """Start a discord.py client against this fake, wait for on_ready, close it on exit."""
        task = asyncio.create_task(client.start(self.token))
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()  # login or connect failed: raise it here
            if not ready.done():
                raise TimeoutError(f"client not ready within {timeout}s")
            yield client
        finally:
            ready.cancel()
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout)

    def _dispatch(self, event: str, data: dict[str, Any]) -> None:
        self._server.run(self.gateway.dispatch(event, copy.deepcopy(data)))

    # -- the world: users, channels, threads --------------------------------------------------

    @property
    def guild_id(self) -> str:
        """The one guild's id."""
        return self.world.guild_id

    @property
    def channel_id(self) -> str:
        """#general's id."""
        return self.world.default_channel_id

    @property
    def application_id(self) -> str:
        """The bot application's id (also the bot user's id)."""
        return self.world.application_id

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's User object."""
        return copy.deepcopy(self.world.bot_user)

    def add_user(self, name: str) -> dict[str, Any]:
        """A guild member (pass before the bot connects to have it in GUILD_CREATE)."""
        with self.recorder.lock:
            return copy.deepcopy(self.world.add_user(name))

    def add_channel(self, name: str) -> dict[str, Any]:
        """Another guild text channel (before connecting, or the bot will not know it)."""
        with self.recorder.lock:
            return copy.deepcopy(self.world.add_channel(name))

    def dm_channel(self, user: Who) -> dict[str, Any]:
        """The DM channel between the bot and a user."""
        with self.recorder.lock:
            return copy.deepcopy(self.world.dm_with(self.world.user(user)))

    def create_thread(self, parent_id: str, name: str, owner: Who = "alice") -> dict[str, Any]:
        """A user opens a thread in a text channel; dispatches THREAD_CREATE."""
        with self.recorder.lock:
            user = self.world.user(owner)
            thread = copy.deepcopy(self.world.add_thread(parent_id, user["id"], name, None))
        self._dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread

    # -- scripted users -----------------------------------------------------------------------

    def push_message(
        self, channel_id: str, author: Who, content: str, reply_to: str | None = None,
        attachments: dict[str, bytes] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A user posts in a channel, DM or thread; dispatches MESSAGE_CREATE."""
        with self.recorder.lock:
            channel = self.world.channel(channel_id)
            user = self.world.user(author)
            if channel["type"] == 1 and channel["recipients"][0]["id"] != user["id"]:
                raise ValueError("only the DM's recipient can write in it")
            payload: dict[str, Any] = {"content": content}
            if reply_to is not None:
                referenced = copy.deepcopy(self.world.message(reply_to))
                reference = {"message_id": reply_to, "channel_id": channel["id"]}
                payload.update(type=19, message_reference=reference, referenced_message=referenced)
            message = copy.deepcopy(self.world.create_message(channel, user, payload, attachments))
        self._dispatch("MESSAGE_CREATE", message)
        return message

    def push_slash(
        self, command: str, options: dict[str, Any] | None = None, user: Who = "alice",
        channel_id: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A user runs e.g. "/story start" with {"title": ...}, typed by the registered schema."""
        path = command.lstrip("/").split()
        with self.recorder.lock:
            channel = self.world.channel(channel_id or self.channel_id)
            who = self.world.user(user)
            registered = find_command(self.world, path[0], channel.get("guild_id"))
            payload = base_interaction(self.world, APPLICATION_COMMAND, who, channel)
            payload["data"] = command_data(registered, path, options or {})
            self.world.interactions[payload["id"]] = InteractionState(payload, time.monotonic())
        self._dispatch("INTERACTION_CREATE", payload)
        return copy.deepcopy(payload)

    def push_component(
        self, message_id: str, custom_id: str, user: Who = "alice", values: list[str] | None = None
    ) -> dict[str, Any]:
        """A user clicks a button (or picks select values) on a bot message."""
        with self.recorder.lock:
            message = self.world.message(message_id)
            channel = self.world.channel(message["channel_id"])
            payload = base_interaction(
                self.world, MESSAGE_COMPONENT, self.world.user(user), channel
            )
            payload["data"] = component_data(message, custom_id, values)
            payload["message"] = copy.deepcopy(message)
            state = InteractionState(payload, time.monotonic(), original_id=message["id"])
            self.world.interactions[payload["id"]] = state
        self._dispatch("INTERACTION_CREATE", payload)
        return copy.deepcopy(payload)

    def push_event(self, event: str, data: dict[str, Any]) -> None:
        """Dispatch any gateway event as-is (escape hatch)."""
        self._dispatch(event, data)

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py reconnects and RESUMEs."""
        self._server.run(self.gateway.reconnect())

    def drop_connections(self, code: int = 4000) -> None:
        """Close the websocket(s) with a resumable close code."""
        self._server.run(self.gateway.close_all(code))

    # -- flood control ------------------------------------------------------------------------

    def fail_next(
        self, route: str = "POST /channels/{channel_id}/messages", count: int = 1,
        retry_after: float = 0.5, is_global: bool = False,
    ) -> None:  # fmt: skip
        """Answer the next `count` calls of a route ("METHOD /path/{param}") with 429."""
        self.gate.fail_next(route, count, retry_after, is_global)

    def set_bucket_limit(self, route: str, limit: int, per: float) -> None:
        """A per-route bucket (per channel etc.): X-RateLimit-* headers, then 429 when exceeded."""
        self.gate.limit_per_key(route, limit, per)

    def clear_rate_limits(self) -> None:
        """Stop answering 429."""
        self.gate.clear()

    # -- inspection ---------------------------------------------------------------------------

    @property
    def interaction_timeout(self) -> float:
        """Seconds the bot has to acknowledge an interaction (3 on Discord)."""
        return self.interactions_rest.timeout

    @interaction_timeout.setter
    def interaction_timeout(self, seconds: float) -> None:
        self.interactions_rest.timeout = seconds

    @property
    def connected(self) -> bool:
        """A session has identified and its websocket is open."""
        return self.gateway.ready

    def calls(self, route: str | None = None) -> list[Call]:
        """Requests answered; route keys look like "POST /channels/{channel_id}/messages"."""
        return self.recorder.calls(route)

    def sent(self, channel_id: str | None = None, include_deleted: bool = False) -> list[BotPost]:
        """Snapshots of messages the bot created (REST, interaction responses, followups)."""
        with self.recorder.lock:
            return [
                copy.deepcopy(p)
                for p in self.world.posts
                if (channel_id is None or p.channel_id == channel_id)
                and (include_deleted or not p.deleted)
            ]

    def interaction_responses(self, interaction_id: str | None = None) -> list[InteractionAck]:
        """Callbacks, followups and edits the bot made, each with latency since the push."""
        with self.recorder.lock:
            acks = self.interactions_rest.acks
            return [a for a in acks if interaction_id is None or a.interaction_id == interaction_id]

    def commands(self, guild_id: str | None = None) -> list[dict[str, Any]]:
        """Registered application commands (global, or one guild's)."""
        with self.recorder.lock:
            return copy.deepcopy(self.world.commands.get(guild_id, []))

    def typing(self, channel_id: str | None = None) -> list[float]:
        """monotonic() times of typing indicators the bot triggered."""
        with self.recorder.lock:
            return [t for c, t in self.world.typing if channel_id is None or c == channel_id]

    def identify_payloads(self) -> list[dict[str, Any]]:
        """IDENTIFY payloads received (token removed): intents, properties, shard."""
        return copy.deepcopy(self.gateway.identifies)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Await predicate() truthy and return its value."""
        return await self.recorder.wait_for(predicate, timeout)

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Blocking variant of wait_for."""
        return self.recorder.wait_for_sync(predicate, timeout)

    async def wait_for_sent(
        self, channel_id: str, count: int = 1, timeout: float = 5.0
    ) -> list[BotPost]:
        """Await at least `count` bot messages in a channel; return them."""

        def enough() -> list[BotPost]:
            posts = self.sent(channel_id)
            return posts if len(posts) >= count else []

        return await self.wait_for(enough, timeout)
