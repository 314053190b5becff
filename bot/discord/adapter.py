"""The Discord adapter: gateway events and interactions in, replies and deliveries out.

discord.py types stay inside this package. :meth:`DiscordAdapter.to_inbound`
turns a message into an :class:`~bot.inbound.Inbound` (and
:meth:`DiscordAdapter.interaction_inbound` an interaction);
:meth:`DiscordAdapter.deliver` turns a delivery into Discord messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord
import redis
from discord import app_commands

from bot.buttons import Rows, crisis_buttons, installment_buttons, transcript_buttons
from bot.discord.format import chunks
from bot.discord.handlers import COMMUNITY, DiscordHandlers
from bot.discord.media import audio_of, fetch_images, message_kind
from bot.discord.pacing import discord_pacer
from bot.discord.slash import build_tree
from bot.discord.spool import Spool, handle_later, keep_aside, replay, replay_loop
from bot.discord.stories import PLACE, PLATFORM, thread_story
from bot.discord.views import make_view
from bot.inbound import Inbound, Kind
from bot.limits import TOO_FAST, MessageLimit
from bot.live import LiveStory
from bot.outbox import Outbox, SendResult, Typing
from bot.private import TRANSCRIPT, Reply
from worker.community.stories import clean_title
from worker.conversation.commands import CommandContext, parse
from worker.conversation.voice.intake import refusal
from worker.settings import Settings
from worker.store.records import Attachment, Delivery, utcnow

logger = logging.getLogger(__name__)

SORRY = ("Something went wrong on my side, so I may not have kept that message. Please send "
         "it again.")
NOT_HERE = "Start a story from a server's text channel (not in a DM or inside a thread)."
Channel = discord.abc.Messageable


class StoryloomClient(discord.Client):
    """The gateway connection; every event goes straight to the adapter."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.adapter = adapter
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = adapter.on_command_error  # type: ignore[method-assign]

    async def setup_hook(self) -> None:
        build_tree(self.tree, self.adapter)
        await self.tree.sync()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        if before.content != after.content:
            await self.adapter.on_message(after, edited=True)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type == discord.InteractionType.component:
            await self.adapter.on_press(interaction)


class DiscordAdapter:
    """One bot: gateway, slash commands, buttons, pacing, votes and the delivery loop."""

    def __init__(self, ctx: CommandContext, settings: Settings, token: str) -> None:
        self.ctx = ctx
        self.settings = settings
        self.token = token
        self.handlers = DiscordHandlers(ctx)
        self.limit = MessageLimit.from_settings(settings)
        self.spool = Spool(settings.storyloom_data_dir / "discord-spool", ctx.store.master)
        self.pacer = discord_pacer()
        self.outbox = Outbox(ctx.store, (PLATFORM, PLACE), PLATFORM, self.deliver)
        self.typing = Typing(self._typing, every_s=8.0)
        self.live = LiveStory(ctx.store, self._show_live, settings.storyloom_live_edit_seconds,
                              limit=1900)
        self.client = StoryloomClient(self)
        self._order: dict[str, tuple[asyncio.Lock, int]] = {}

    # -- message / interaction -> Inbound ------------------------------------------------------
    def to_inbound(self, message: discord.Message, edited: bool = False) -> Inbound | None:
        """A message in storyloom's terms; None for messages storyloom ignores."""
        me = self.client.user
        if message.author.bot or me is None:
            return None
        channel = message.channel
        private = isinstance(channel, discord.DMChannel)
        replied = message.reference.resolved if message.reference else None
        addressed = private or me in message.mentions or (
            isinstance(replied, discord.Message) and replied.author == me)
        text = re.sub(rf"<@!?{me.id}>", "", message.content).strip()
        base: dict[str, Any] = {
            "platform": PLATFORM, "user": f"discord:{message.author.id}",
            "chat_id": str(channel.id), "private": private,
            "thread": isinstance(channel, discord.Thread), "name": message.author.display_name,
            "message_id": str(message.id), "turn_id": f"dc-{message.id}",
            "at": message.created_at, "addressed": addressed,
        }
        if edited:
            return Inbound(kind="edit", text=text, **base)
        if getattr(message, "message_snapshots", None):
            return Inbound(kind="forward", text=text, **base)
        parsed = parse(text) if private else None
        if parsed is not None:
            return Inbound(kind="command", command=parsed[0], args=parsed[1], **base)
        kind, refs, files = message_kind(message, text)
        sound = audio_of(message) if kind == "voice" else None
        if sound is not None:
            refs = (Attachment(kind="voice", platform_ref=f"discord-attachment:{sound.id}"),)
            return Inbound(kind="voice", text=text, attachments=refs, audio_size=sound.size,
                           audio_seconds=sound.duration, **base)
        return Inbound(kind=kind, text=text, attachments=refs,
                       files=files if private else (), **base)

    def interaction_inbound(self, interaction: discord.Interaction, kind: Kind,
                            command: str | None = None, args: str = "") -> Inbound:
        """A slash command or a button press in storyloom's terms."""
        data: dict[str, Any] = dict(interaction.data or {})
        return Inbound(
            kind=kind, platform=PLATFORM, user=f"discord:{interaction.user.id}",
            chat_id=str(interaction.channel_id), private=interaction.guild_id is None,
            thread=isinstance(interaction.channel, discord.Thread),
            name=interaction.user.display_name, command=command, args=args,
            data=str(data.get("custom_id", "")) or None,
        )

    # -- events ----------------------------------------------------------------------------------
    async def _handle(self, fn: Callable[[Inbound], list[Reply]],
                      inbound: Inbound) -> list[Reply]:
        verdict = self.limit.check(inbound.user)
        if verdict != "ok":  # too fast: not handled, not kept; a message is answered once,
            # an interaction always (Discord waits for its answer)
            quiet = verdict == "quiet" and inbound.kind not in ("command", "press")
            return [] if quiet else [Reply(TOO_FAST)]
        try:
            return await asyncio.to_thread(fn, inbound)
        except redis.RedisError:  # a message is put aside on disk; an interaction is not
            return await keep_aside(self, inbound, fn in (self.handlers.message,
                                                          self.handlers.command))
        except Exception as exc:  # noqa: BLE001 - one failing event never stops the bot
            logger.exception("discord event for %s failed: %s", inbound.user,
                             type(exc).__name__)
            return [Reply(SORRY)]

    @contextlib.asynccontextmanager
    async def _in_order(self, channel: str) -> AsyncIterator[None]:
        """discord.py runs events concurrently; a channel's messages are handled in order."""
        lock, users = self._order.get(channel, (asyncio.Lock(), 0))
        self._order[channel] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._order[channel]
            if users <= 1:
                del self._order[channel]
            else:
                self._order[channel] = (lock, users - 1)

    async def on_message(self, message: discord.Message, edited: bool = False) -> None:
        inbound = self.to_inbound(message, edited)
        if inbound is None:
            return
        if inbound.files:
            inbound = await fetch_images(message, inbound, self.settings.storyloom_max_photo_bytes)
        fn = self.handlers.command if inbound.kind == "command" else self.handlers.message
        if inbound.kind == "voice" and inbound.private:
            inbound = await self._fetch_audio(message, inbound)
        async with self._in_order(inbound.chat_id):
            if self.spool and not await replay(self):
                await handle_later(self, message.channel, inbound)
                return
            replies = await self._handle(fn, inbound)
            for reply in replies:
                sent = await self._post(message.channel, reply)
                await self._after_send(inbound, reply, sent)

    async def _fetch_audio(self, message: discord.Message, inbound: Inbound) -> Inbound:
        """The voice note's bytes, unless it is refused on its size or length alone."""
        sound = audio_of(message)
        if sound is None or refusal(self.settings, inbound.audio_size,
                                    inbound.audio_seconds) is not None:
            return inbound  # the handler says why, without fetching it
        try:
            data = await sound.read()
        except (discord.HTTPException, aiohttp.ClientError) as exc:
            logger.warning("voice note of %s not fetched: %s", inbound.user, type(exc).__name__)
            return inbound
        return dataclasses.replace(inbound, audio=data, audio_size=len(data))

    async def on_slash(self, interaction: discord.Interaction, name: str, args: str) -> None:
        """Any slash command: acknowledged at once, answered when the work is done."""
        sub = args.split(" ", 1)[0]
        community = name == "story" and sub in COMMUNITY and sub not in ("join", "leave")
        ephemeral = interaction.guild_id is not None and not community
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        inbound = self.interaction_inbound(interaction, "command", name, args)
        replies = await self._handle(self.handlers.command, inbound) or [Reply("Done.")]
        first = True
        sent: object = None
        for reply in replies:
            if first and reply.text:
                sent = await interaction.edit_original_response(
                    content=chunks(reply.text)[0], view=self._view(reply, inbound))
                first = False
            elif reply.text:
                sent = await interaction.followup.send(chunks(reply.text)[0], wait=True,
                                                       ephemeral=ephemeral,
                                                       view=self._view(reply, inbound)
                                                       or discord.utils.MISSING)
            for file in reply.files:
                await interaction.followup.send(file=discord.File(io.BytesIO(file.data),
                                                                  filename=file.name),
                                                ephemeral=ephemeral)
            await self._after_send(inbound, reply, sent if reply.text else None)

    async def on_story_start(self, interaction: discord.Interaction, title: str) -> None:
        """/story start <title>: a new thread with its own community story."""
        await interaction.response.defer(thinking=True)
        channel = interaction.channel
        if not isinstance(channel, discord.TextChannel):
            await interaction.edit_original_response(content=NOT_HERE)
            return
        name = clean_title(title)
        thread = await channel.create_thread(name=name, type=discord.ChannelType.public_thread)
        inbound = self.interaction_inbound(interaction, "command", "story", f"start {name}")
        replies = await self._handle(
            lambda i: self.handlers.threads.start(i.user, str(thread.id), name), inbound)
        for reply in replies:
            await self._post(thread, reply)
        await interaction.edit_original_response(
            content=f"Started “{discord.utils.escape_markdown(name)}” in {thread.mention}. "
            "Write your contributions there.")

    async def on_press(self, interaction: discord.Interaction) -> None:
        """A button: acknowledged at once (Discord allows 3 s), then answered."""
        await interaction.response.defer()
        inbound = self.interaction_inbound(interaction, "press")
        replies = await self._handle(self.handlers.press, inbound)
        ephemeral = interaction.guild_id is not None
        for reply in replies:
            view = self._view(reply, inbound)
            if reply.edit == "message":
                await interaction.edit_original_response(content=reply.text, view=view)
            elif reply.edit == "keyboard":
                await interaction.edit_original_response(view=view)
            if reply.toast:
                await interaction.followup.send(reply.toast, ephemeral=True)
            if reply.text and reply.edit == "none":
                await interaction.followup.send(chunks(reply.text)[0], ephemeral=ephemeral)
            await self._after_send(inbound, reply, None)

    async def on_command_error(self, interaction: discord.Interaction,
                               error: app_commands.AppCommandError) -> None:
        logger.warning("slash command failed: %s", type(getattr(error, "original", error)))
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.edit_original_response(content=SORRY)
            else:
                await interaction.response.send_message(SORRY, ephemeral=True)

    # -- sending ---------------------------------------------------------------------------------
    def _view(self, reply: Reply, inbound: Inbound) -> discord.ui.View | None:
        return make_view(reply.buttons)

    async def _post(self, channel: Channel, reply: Reply,
                    heading: str | None = None) -> discord.Message | None:
        sent = None
        where = str(getattr(channel, "id", ""))
        if reply.text:
            parts = chunks(reply.text, heading)
            view = make_view(reply.buttons)
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                async with self.pacer.sending(where):
                    sent = await channel.send(part, view=view if last and view else
                                              discord.utils.MISSING)
        for file in reply.files:
            async with self.pacer.sending(where):
                await channel.send(file=discord.File(io.BytesIO(file.data), filename=file.name))
        return sent

    async def _after_send(self, inbound: Inbound, reply: Reply, sent: object) -> None:
        if reply.request_id:
            community = inbound.thread and not inbound.private
            key = thread_story(inbound.chat_id) if community else inbound.user
            self.typing.start(key, reply.request_id)
            if inbound.private:
                self.live.follow(inbound.user, inbound.user, reply.request_id)
        if reply.vote_id and sent is not None:
            await asyncio.to_thread(self.ctx.store.set_vote_message, reply.vote_id,
                                    str(getattr(sent, "id", "")))

    async def _channel_for(self, key: str) -> Channel | None:
        kind, _, ident = key.partition(":")
        if not ident.isdigit():
            return None
        if kind == PLACE:
            channel = (self.client.get_channel(int(ident))
                       or await self.client.fetch_channel(int(ident)))
            return channel if isinstance(channel, discord.abc.Messageable) else None
        user = self.client.get_user(int(ident)) or await self.client.fetch_user(int(ident))
        return user.dm_channel or await user.create_dm()

    async def _show_live(self, key: str, text: str, handle: Any) -> Any:
        """Send (handle None) or edit the message showing a story being written."""
        channel = await self._channel_for(key)
        if channel is None:
            return None
        async with self.pacer.sending(str(getattr(channel, "id", ""))):
            if handle is None:
                return await channel.send(text)
            await handle.edit(content=text)
            return handle

    async def _replace(self, channel: Channel, handle: Any, reply: Reply,
                       heading: str | None) -> None:
        """Edit a live preview into the delivered text (the rest of it in new posts)."""
        parts = chunks(reply.text, heading)
        view = make_view(reply.buttons)
        async with self.pacer.sending(str(getattr(channel, "id", ""))):
            await handle.edit(content=parts[0], view=view if len(parts) == 1 else None)
        for i, part in enumerate(parts[1:], start=1):
            last = i == len(parts) - 1
            async with self.pacer.sending(str(getattr(channel, "id", ""))):
                await channel.send(part, view=view if last and view else discord.utils.MISSING)

    async def _typing(self, key: str) -> None:
        channel = await self._channel_for(key)
        if channel is not None:
            await channel.typing()

    async def deliver(self, user: str, delivery: Delivery) -> SendResult:
        """Send one delivery to a DM or a story thread (the one place deliveries become posts)."""
        private = user.startswith(PLATFORM + ":")
        heading = None
        buttons: Rows = ()
        if delivery.kind == "installment":
            heading = "Your story" if private else "The story continues"
            if private and delivery.installment_id:
                buttons = installment_buttons(delivery.installment_id)
        text = delivery.text
        if delivery.crisis is not None and private:
            buttons = crisis_buttons(delivery.crisis == "self")
        if delivery.kind == "transcript" and delivery.voice_id:
            text, buttons = TRANSCRIPT.format(text=text), transcript_buttons(delivery.voice_id)
        try:
            channel = await self._channel_for(user)
            if channel is None:
                return "skip"
            preview = await self.live.finish(delivery.in_reply_to)
            if preview is not None:
                await self._replace(channel, preview, Reply(text, buttons=buttons), heading)
            else:
                await self._post(channel, Reply(text, buttons=buttons), heading)
        except (discord.Forbidden, discord.NotFound) as exc:
            return self._refused(user, delivery, exc)
        except discord.HTTPException as exc:
            if exc.status >= 500:
                return "retry"
            return self._refused(user, delivery, exc)
        except (aiohttp.ClientError, TimeoutError, discord.GatewayNotFound):
            return "retry"
        self.typing.stop(delivery.in_reply_to)
        return "sent"

    def _refused(self, user: str, delivery: Delivery, exc: Exception) -> SendResult:
        logger.warning("delivery %s to %s refused by Discord: %s", delivery.delivery_id, user,
                       type(exc).__name__)
        self.typing.stop(delivery.in_reply_to)
        return "skip"

    # -- running ---------------------------------------------------------------------------------
    async def _close_votes(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                for closed in await asyncio.to_thread(self.handlers.threads.close_votes,
                                                      utcnow()):
                    channel = await self._channel_for(closed.story)
                    if channel is None:
                        continue
                    await self._post(channel, Reply(closed.text))
                    if closed.message_id and isinstance(channel, discord.Thread):
                        with contextlib.suppress(discord.HTTPException):
                            await channel.get_partial_message(int(closed.message_id)).edit(
                                view=None)
                    self.typing.start(closed.story, closed.request_id)
            except Exception as exc:  # noqa: BLE001 - the ticker must outlive one bad vote
                logger.warning("closing votes failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until stop is set."""
        login = asyncio.create_task(self.client.start(self.token))
        ready = asyncio.create_task(self.client.wait_until_ready())
        await asyncio.wait({login, ready}, return_when=asyncio.FIRST_COMPLETED)
        if login.done():
            ready.cancel()
            login.result()
            return
        tasks = [asyncio.create_task(self.outbox.run(stop)),
                 asyncio.create_task(self.typing.run(stop)),
                 asyncio.create_task(self._close_votes(stop)),
                 asyncio.create_task(replay_loop(self, stop))]
        logger.info("discord adapter on (%s)", self.client.user)
        try:
            await stop.wait()
        finally:
            stop.set()
            await self.live.close()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.client.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await login


def point_at(settings: Settings) -> None:
    """Use the configured Discord REST and gateway URLs (a proxy, or a fake in tests)."""
    import discord.gateway
    import discord.http
    import yarl

    if settings.discord_api_base_url:
        discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)
