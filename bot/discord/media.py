"""What a Discord message carries besides words: its kind, its images, and their download."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import aiohttp
import discord

from bot.inbound import Download, Inbound, Kind
from worker.store.records import Attachment

logger = logging.getLogger(__name__)

AUDIO = re.compile(r"\.(ogg|oga|opus|mp3|wav|m4a|flac|webm)$", re.IGNORECASE)
IMAGE = re.compile(r"\.(jpe?g|png|gif|webp|bmp|tiff?|heic)$", re.IGNORECASE)


Found = tuple[Kind, tuple[Attachment, ...], tuple[Download, ...]]


def message_kind(message: discord.Message, text: str) -> Found:
    if message.stickers:
        return "sticker", (), ()
    files = message.attachments
    if getattr(message.flags, "voice", False) or any(
            (a.content_type or "").startswith("audio/") or AUDIO.search(a.filename)
            for a in files):
        return "voice", (), ()
    images = [a for a in files
              if (a.content_type or "").startswith("image/") or IMAGE.search(a.filename)]
    if images:
        refs = tuple(Attachment(kind="photo", platform_ref=f"discord-attachment:{a.id}",
                                caption=text or None) for a in images)
        return "photo", refs, tuple(Download(r.platform_ref, size=a.size)
                                    for r, a in zip(refs, images, strict=True))
    if files and not text:
        return "document", (), ()
    return "text", (), ()


def audio_of(message: discord.Message) -> discord.Attachment | None:
    """The first audio attachment (a voice message's is audio/ogg)."""
    return next((a for a in message.attachments
                 if (a.content_type or "").startswith("audio/") or AUDIO.search(a.filename)),
                None)


async def fetch_images(message: discord.Message, inbound: Inbound, limit: int) -> Inbound:
    """Download a DM's images (the attachment URLs), within the size limit."""
    by_ref = {f"discord-attachment:{a.id}": a for a in message.attachments}
    fetched = []
    for wanted in inbound.files:
        attachment = by_ref.get(wanted.platform_ref)
        if attachment is None:
            fetched.append(replace(wanted, problem="failed"))
        elif attachment.size > limit:
            fetched.append(replace(wanted, problem="too_big"))
        else:
            try:
                data = await attachment.read()
                fetched.append(replace(wanted, data=data, size=len(data)))
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                logger.info("an image of %s was not fetched: %s", inbound.user,
                            type(exc).__name__)
                fetched.append(replace(wanted, problem="failed"))
    return replace(inbound, files=tuple(fetched))
