"""Photos in a private chat: what the adapter downloaded, kept through the photo intake."""

from __future__ import annotations

from dataclasses import dataclass

from bot.inbound import Inbound
from worker.conversation.command import CommandContext
from worker.conversation.intake import clean_text, has_content
from worker.conversation.photos import NOT_FETCHED, receive_photo, too_big
from worker.store.records import Attachment


@dataclass(frozen=True)
class Taken:
    """What became of a message's photos: notices for the user, and the turn's attachments."""

    notices: tuple[str, ...]
    attachments: tuple[Attachment, ...]


def caption_of(inbound: Inbound) -> str | None:
    """The message's caption, when it says something."""
    text = clean_text(inbound.text)
    return text if has_content(text) else None


def take_photos(ctx: CommandContext, platform: str, inbound: Inbound) -> Taken:
    """Keep each downloaded photo (sealed, resized); say clearly what could not be kept."""
    caption = caption_of(inbound)
    refs = {a.platform_ref: a for a in inbound.attachments}
    notices: list[str] = []
    kept: dict[str, Attachment] = {}
    for download in inbound.files:
        if download.problem == "too_big":
            notices.append(too_big(ctx.settings, download.size) or NOT_FETCHED)
            continue
        if download.data is None:
            notices.append(NOT_FETCHED)
            continue
        intake = receive_photo(ctx.store, ctx.settings, user=inbound.user, platform=platform,
                               platform_ref=download.platform_ref, data=download.data,
                               caption=caption, turn_id=inbound.turn_id, at=inbound.at)
        notices.append(intake.notice)
        if intake.photo is not None:
            ref = refs.get(download.platform_ref) or Attachment(
                kind="photo", platform_ref=download.platform_ref, caption=caption)
            kept[download.platform_ref] = ref.model_copy(
                update={"photo_id": intake.photo.photo_id})
    if not inbound.files and inbound.attachments:
        notices.append(NOT_FETCHED)
    attachments = tuple(kept.get(a.platform_ref, a) for a in inbound.attachments) or tuple(
        kept.values())
    return Taken(tuple(dict.fromkeys(notices)), attachments)
