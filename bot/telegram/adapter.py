"""The Telegram adapter: PTB updates in, storyloom replies and deliveries out.

PTB types stay inside this package. :meth:`TelegramAdapter.to_inbound` turns an
update into an :class:`~bot.inbound.Inbound` and :meth:`TelegramAdapter.deliver`
turns a delivery into Telegram messages; everything between is storyloom's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from dataclasses import replace
from typing import Any

import redis
from telegram import BotCommand, Document, Message, PhotoSize, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.buttons import Rows, crisis_buttons, installment_buttons, transcript_buttons
from bot.inbound import Download, Inbound, Kind
from bot.limits import TOO_FAST, MessageLimit
from bot.live import LiveStory
from bot.outbox import Outbox, SendResult, Typing
from bot.private import TRANSCRIPT, Reply, menu
from bot.telegram.format import HTML, installment_chunks, plain_chunks
from bot.telegram.handlers import PLATFORM, TelegramHandlers
from bot.telegram.keyboards import markup
from bot.telegram.ordering import PerChatOrder
from bot.telegram.pacing import paced, telegram_pacer
from bot.telegram.polling import Poller
from worker.conversation.commands import CommandContext
from worker.conversation.voice.intake import refusal
from worker.counsel.rights import ExportFile
from worker.settings import Settings
from worker.store.base import platform_of
from worker.store.records import Attachment, Delivery

logger = logging.getLogger(__name__)

GROUP = "telegram-group"
SORRY = ("Something went wrong on my side, so I may not have kept that message. Please send "
         "it again.")
# Redis is away: the update is not confirmed, so Telegram gives it to us again (long polling
# re-fetches it; a webhook gets an error and Telegram retries) and it is kept then.
NOT_KEPT_YET = ("I can't keep messages at this moment (a problem on my side). I'll take this "
                "one as soon as I can; you don't need to send it again.")
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
UPDATES = ["message", "edited_message", "callback_query"]
IMAGE_NAME = re.compile(r"\.(jpe?g|png|gif|webp|bmp|tiff?|heic)$", re.IGNORECASE)


def chat_of(user: str) -> int:
    """The chat a delivery goes to: the private chat of telegram:ID, the group of a group story."""
    return int(user.split(":", 1)[1])


def _media_kind(message: Message) -> Kind:
    if message.sticker:
        return "sticker"
    if message.document or message.video or message.animation:
        return "document"
    return "other"


def _not_own_chat(update: Update) -> None:
    """A private chat is always the sender's own: anything else is forged, and ignored (so no
    reply, no export, no forget goes to someone else's chat)."""
    logger.warning("update %s ignored: a private chat that is not its sender's", update.update_id)


def _picture(message: Message) -> PhotoSize | Document | None:
    """The largest size of a photo, or a document that says it is an image."""
    if message.photo:
        return message.photo[-1]
    document = message.document
    if document is not None and ((document.mime_type or "").startswith("image/")
                                 or IMAGE_NAME.search(document.file_name or "")):
        return document
    return None


def _audio_of(message: Message) -> Any:
    """The voice note, audio file or audio document of a message (None: there is none)."""
    document = message.document
    if document is not None and (document.mime_type or "").startswith("audio/"):
        return document
    return message.voice or message.audio


class TelegramAdapter:
    """One bot: long polling (or a webhook), handlers, pacing, and the delivery loop."""

    def __init__(self, ctx: CommandContext, settings: Settings, token: str,
                 poll_timeout: int = 10) -> None:
        if settings.telegram_webhook_url:
            from bot.telegram.webhook import webhook_secret

            webhook_secret(settings)  # refuses to start a webhook that takes forged updates
        self.ctx = ctx
        self.settings = settings
        self.poll_timeout = poll_timeout
        self.handlers = TelegramHandlers(ctx)
        self.limit = MessageLimit.from_settings(settings)
        self.pacer = telegram_pacer()
        self.app = (Application.builder().token(token)
                    .base_url(settings.telegram_api_base_url)
                    .base_file_url(settings.telegram_file_base_url)
                    .concurrent_updates(PerChatOrder()).build())
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)
        self.outbox = Outbox(ctx.store, (PLATFORM, GROUP), PLATFORM, self.deliver)
        self.typing = Typing(self._typing, every_s=4.5)
        self.live = LiveStory(ctx.store, self._show_live, settings.storyloom_live_edit_seconds,
                              limit=4000)
        self.username = ""
        self.bot_id = 0
        self._not_kept: set[int] = set()  # updates whose user was told they wait for Redis
        self._stop_polling = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None

    # -- update -> Inbound (the one place a PTB update is read) ----------------------------------
    def to_inbound(self, update: Update) -> Inbound | None:
        """The update in storyloom's terms; None for updates storyloom ignores."""
        query = update.callback_query
        if query is not None:
            chat = query.message.chat if query.message else None
            if chat is not None and chat.type == ChatType.PRIVATE and chat.id != query.from_user.id:
                _not_own_chat(update)
                return None
            return Inbound(
                kind="press", platform=PLATFORM, user=f"telegram:{query.from_user.id}",
                chat_id=str(chat.id if chat else query.from_user.id),
                private=chat is None or chat.type == ChatType.PRIVATE,
                name=query.from_user.first_name, data=query.data or "",
                message_id=str(query.message.message_id) if query.message else None,
            )
        message = update.message or update.edited_message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return None
        chat = message.chat
        if chat.type == ChatType.PRIVATE and chat.id != message.from_user.id:
            _not_own_chat(update)
            return None
        text = message.text or message.caption or ""
        base: dict[str, Any] = {
            "platform": PLATFORM, "user": f"telegram:{message.from_user.id}",
            "chat_id": str(chat.id), "private": chat.type == ChatType.PRIVATE,
            "name": message.from_user.first_name, "message_id": str(message.message_id),
            "turn_id": f"tg-{chat.id}-{message.message_id}", "at": message.date,
            "title": chat.title,
        }
        command = self._command(message, text)
        if command == ("", ""):
            return None  # a command for another bot
        addressed = base["private"] or command is not None or self._addressed(message)
        text = self._strip_mention(text)
        if update.edited_message is not None:
            return None if command else Inbound(kind="edit", text=text, **base)
        if message.forward_origin is not None:
            return Inbound(kind="forward", text=text, addressed=addressed, **base)
        if command is not None:
            return Inbound(kind="command", command=command[0], args=command[1], **base)
        picture = _picture(message)
        if picture is not None:
            ref = f"telegram-file:{picture.file_id}"
            attachment = Attachment(kind="photo", platform_ref=ref, caption=message.caption)
            return Inbound(kind="photo", text=text, addressed=addressed, attachments=(attachment,),
                           files=(Download(ref, size=picture.file_size),), **base)
        if message.text is not None:
            return Inbound(kind="text", text=text, addressed=addressed, **base)
        sound = _audio_of(message)
        if sound is not None:
            heard = Attachment(kind="voice", platform_ref=f"telegram-file:{sound.file_id}")
            return Inbound(kind="voice", text=text, addressed=addressed, attachments=(heard,),
                           audio_seconds=getattr(sound, "duration", None),
                           audio_size=sound.file_size, **base)
        return Inbound(kind=_media_kind(message), text=text, addressed=addressed, **base)

    def _command(self, message: Message, text: str) -> tuple[str, str] | None:
        entities = message.entities or ()
        if not (text.startswith("/") and entities and entities[0].offset == 0
                and entities[0].type == MessageEntityType.BOT_COMMAND):
            return None
        token, _, args = text.partition(" ")
        name, _, target = token[1:].partition("@")
        if target and target.lower() != self.username.lower():
            return ("", "")
        return name.lower(), args.strip()

    def _addressed(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is not None and replied.from_user and replied.from_user.id == self.bot_id:
            return True
        mentions = {**message.parse_entities([MessageEntityType.MENTION]),
                    **message.parse_caption_entities([MessageEntityType.MENTION])}
        return any(m.lower() == "@" + self.username.lower() for m in mentions.values())

    def _strip_mention(self, text: str) -> str:
        if not self.username:
            return text
        return re.sub(rf"@{re.escape(self.username)}\b", "", text, flags=re.IGNORECASE).strip()

    # -- handling one update ---------------------------------------------------------------------
    async def _fetch(self, inbound: Inbound) -> Inbound:
        """Download a private chat's photos (getFile, then the file), within the size limit."""
        limit = self.settings.storyloom_max_photo_bytes
        fetched = []
        for wanted in inbound.files:
            if wanted.size is not None and wanted.size > limit:
                fetched.append(replace(wanted, problem="too_big"))
                continue
            try:
                file = await self.app.bot.get_file(wanted.platform_ref.split(":", 1)[1])
                if file.file_size is not None and file.file_size > limit:
                    fetched.append(replace(wanted, size=file.file_size, problem="too_big"))
                    continue
                data = bytes(await file.download_as_bytearray())
                fetched.append(replace(wanted, data=data, size=len(data)))
            except BadRequest as exc:  # "file is too big": Telegram serves bots 20 MB at most
                big = "too big" in str(exc).lower()
                fetched.append(replace(wanted, problem="too_big" if big else "failed"))
            except TelegramError as exc:
                logger.info("a photo of %s was not fetched: %s", inbound.user,
                            type(exc).__name__)
                fetched.append(replace(wanted, problem="failed"))
        return replace(inbound, files=tuple(fetched))

    async def take(self, update: Update) -> bool:
        """Handle one update; False when it could not be stored (Redis away): it must stay
        unconfirmed, so Telegram gives it again. The user is told so, once per update."""
        inbound = self.to_inbound(update)
        if inbound is None:
            return True
        if update.update_id not in self._not_kept:  # a retry was counted the first time
            verdict = self.limit.check(inbound.user)
            if verdict != "ok":  # too fast: not handled, not kept; said once
                await self._answer_safely(update, inbound,
                                          [Reply(TOO_FAST)] if verdict == "tell" else [])
                return True
        if inbound.files and inbound.private:
            inbound = await self._fetch(inbound)
        try:
            if inbound.kind == "voice" and inbound.private:
                inbound = await self._fetch_audio(inbound)
            replies = await asyncio.to_thread(self.handlers.handle, inbound)
        except redis.RedisError as exc:
            logger.warning("update %s not kept yet: Redis unavailable (%s)", update.update_id,
                           type(exc).__name__)
            if update.update_id not in self._not_kept:
                self._not_kept.add(update.update_id)
                await self._answer_safely(update, inbound, [Reply(NOT_KEPT_YET)])
            return False
        except Exception as exc:  # noqa: BLE001 - one failing update never stops the bot
            logger.exception("update %s for %s failed: %s", update.update_id, inbound.user,
                             type(exc).__name__)
            replies = [Reply(SORRY)]
        self._not_kept.discard(update.update_id)
        await self._answer_safely(update, inbound, replies)
        return True

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.take(update)

    async def _answer_safely(self, update: Update, inbound: Inbound,
                             replies: list[Reply]) -> None:
        """Answer; a reply Telegram refuses never makes the update be handled again."""
        try:
            await self._answer(update, inbound, replies)
        except TelegramError as exc:
            logger.warning("reply to update %s not sent: %s", update.update_id,
                           type(exc).__name__)

    async def _fetch_audio(self, inbound: Inbound) -> Inbound:
        """The voice note's bytes, unless it is refused on its size or length alone."""
        if refusal(self.settings, inbound.audio_size, inbound.audio_seconds) is not None:
            return inbound  # the handler says why, without fetching it
        file_id = inbound.attachments[0].platform_ref.split(":", 1)[1]
        found = await self.app.bot.get_file(file_id)
        data = bytes(await found.download_as_bytearray())
        return dataclasses.replace(inbound, audio=data, audio_size=len(data))

    async def _answer(self, update: Update, inbound: Inbound, replies: list[Reply]) -> None:
        query = update.callback_query
        answered = False
        chat = int(inbound.chat_id)
        reply_to = None if inbound.private or inbound.message_id is None else int(
            inbound.message_id)
        for reply in replies:
            if query is not None and reply.toast is not None and not answered:
                await query.answer(reply.toast[:200])
                answered = True
            if query is not None and reply.edit == "message":
                await query.edit_message_text(reply.text, reply_markup=markup(reply.buttons))
            elif query is not None and reply.edit == "keyboard":
                await query.edit_message_reply_markup(reply_markup=markup(reply.buttons))
            elif reply.text:
                for i, chunk in enumerate(chunks := plain_chunks(reply.text)):
                    last = i == len(chunks) - 1
                    await self._send(chat, chunk, None, reply.buttons if last else (), reply_to)
            for file in reply.files:
                await self._send_file(chat, file)
            if reply.request_id:
                self.typing.start(str(chat), reply.request_id)
                if inbound.private:
                    self.live.follow(inbound.user, str(chat), reply.request_id)
        if query is not None and not answered:
            await query.answer()

    async def _send(self, chat: int, text: str, parse_mode: str | None, buttons: Rows,
                    reply_to: int | None = None) -> None:
        await paced(self.pacer, str(chat), lambda: self.app.bot.send_message(
            chat, text, parse_mode=parse_mode, reply_markup=markup(buttons),
            reply_to_message_id=reply_to, allow_sending_without_reply=True))

    async def _show_live(self, chat: str, text: str, handle: Any) -> Any:
        """Send (handle None) or edit the message showing a story being written."""
        if handle is None:
            return await paced(self.pacer, chat, lambda: self.app.bot.send_message(
                int(chat), text))
        return await paced(self.pacer, chat, lambda: self.app.bot.edit_message_text(
            text, chat_id=int(chat), message_id=handle.message_id))

    async def _replace(self, chat: int, handle: Any, text: str, mode: str | None,
                       buttons: Rows) -> bool:
        """Edit a live preview into the delivered text; False when it cannot be edited."""
        try:
            await paced(self.pacer, str(chat), lambda: self.app.bot.edit_message_text(
                text, chat_id=chat, message_id=handle.message_id, parse_mode=mode,
                reply_markup=markup(buttons)))
        except BadRequest as exc:
            logger.info("live preview not replaced (%s); sending anew", type(exc).__name__)
            return False
        return True

    async def _send_file(self, chat: int, file: ExportFile) -> None:
        async def send() -> object:
            return await self.app.bot.send_document(chat, document=file.data,
                                                    filename=file.name)

        await paced(self.pacer, str(chat), send)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.warning("telegram error: %s", type(context.error).__name__)

    async def _typing(self, chat: str) -> None:
        await self.app.bot.send_chat_action(int(chat), ChatAction.TYPING)

    # -- Delivery -> messages (the one place a delivery becomes Telegram messages) ---------------
    async def deliver(self, user: str, delivery: Delivery) -> SendResult:
        """Send one delivery; 'retry' when Telegram could not be reached, 'skip' when refused."""
        chat, private = chat_of(user), platform_of(user) == PLATFORM
        if delivery.kind == "installment":
            chunks = installment_chunks(delivery.text, "Your story" if private else "Our story")
            mode: str | None = HTML
            buttons = (installment_buttons(delivery.installment_id)
                       if private and delivery.installment_id else ())
        elif delivery.kind == "transcript" and delivery.voice_id:
            chunks, mode = plain_chunks(TRANSCRIPT.format(text=delivery.text)), None
            buttons = transcript_buttons(delivery.voice_id)
        else:
            chunks, mode, buttons = plain_chunks(delivery.text), None, ()
            if delivery.crisis is not None and private:
                buttons = crisis_buttons(delivery.crisis == "self")
        try:
            preview = await self.live.finish(delivery.in_reply_to)
            last = len(chunks) - 1
            if preview is not None and await self._replace(chat, preview, chunks[0], mode,
                                                          buttons if last == 0 else ()):
                chunks = chunks[1:]
                last -= 1
            for i, chunk in enumerate(chunks):
                await self._send(chat, chunk, mode, buttons if i == last else ())
        except (BadRequest, Forbidden) as exc:
            return self._refused(user, delivery, exc)
        except (RetryAfter, NetworkError) as exc:
            logger.info("delivery to %s postponed: %s", user, type(exc).__name__)
            return "retry"
        except TelegramError as exc:
            return self._refused(user, delivery, exc)
        self.typing.stop(delivery.in_reply_to)
        return "sent"

    def _refused(self, user: str, delivery: Delivery, exc: Exception) -> SendResult:
        logger.warning("delivery %s to %s refused by Telegram: %s", delivery.delivery_id, user,
                       type(exc).__name__)
        self.typing.stop(delivery.in_reply_to)
        return "skip"

    # -- running ---------------------------------------------------------------------------------
    async def _set_commands(self) -> None:
        commands = [BotCommand(name, desc[:256]) for name, desc in menu()
                    if COMMAND_NAME.match(name) and desc]
        await self.app.bot.set_my_commands(commands[:100])

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until stop is set: updates in, deliveries out."""
        async with self.app:
            self.username = self.app.bot.username
            self.bot_id = self.app.bot.id
            await self._set_commands()
            await self.app.start()
            webhook = None
            tasks: list[asyncio.Task[None]] = []
            try:
                webhook = await self._start_updates()
                tasks = [asyncio.create_task(self.outbox.run(stop)),
                         asyncio.create_task(self.typing.run(stop))]
                logger.info("telegram adapter on (@%s, %s)", self.username,
                            "webhook" if webhook else "long polling")
                await stop.wait()
            finally:
                stop.set()
                await self.live.close()
                await self._stop_updates(webhook)
                await asyncio.gather(*tasks, return_exceptions=True)
                await self.app.stop()

    async def _start_updates(self) -> object | None:
        if self.settings.telegram_webhook_url:
            from bot.telegram.webhook import start_webhook

            return await start_webhook(self.app, self.settings, self.take)
        await self.app.bot.delete_webhook()
        poller = Poller(self.app.bot, self.take, self.poll_timeout, UPDATES)
        self._polling = asyncio.create_task(poller.run(self._stop_polling))
        return None

    async def _stop_updates(self, webhook: object | None) -> None:
        if webhook is not None:
            from bot.telegram.webhook import stop_webhook

            await stop_webhook(webhook)
        elif self._polling is not None:
            self._stop_polling.set()
            with contextlib.suppress(TelegramError, asyncio.CancelledError):
                await self._polling
