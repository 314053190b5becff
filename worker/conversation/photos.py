"""Photos a user sends: checked, resized for print and screen, sealed, linked to a turn.

An adapter downloads the bytes (Telegram getFile, a Discord attachment) and calls
:func:`receive_photo`; what is not an image, too large or a decompression bomb
gets a clear answer and nothing else of the message is lost. The caption becomes
an ordinary turn; after the NLU has read it, :func:`link_turn_photos` records the
people, places and time it names on the photo.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageOps, UnidentifiedImageError

from nlu.schema import Analysis
from worker.settings import Settings
from worker.store.book_records import Photo
from worker.store.records import Turn, utcnow
from worker.store.store import Store

logger = logging.getLogger(__name__)

# Longest side of the copy shown on screens (the family page, the EPUB).
SCREEN_PX = 960
# More pixels than any camera makes (a 50-megapixel phone: 8160 x 6120): beyond, a bomb.
MAX_PIXELS = 80_000_000
# A caption given after a photo sent without one counts for it within this time.
CAPTION_WINDOW_S = 600.0
MB = 1024 * 1024

NOT_AN_IMAGE = ("That file doesn't open as a picture, so I couldn't keep it as a photo. "
                "I can keep JPEG, PNG, GIF, WebP, BMP and TIFF photos.")
TOO_BIG = ("That photo is {size:.0f} MB; I keep photos up to {limit:.0f} MB. Could you send a "
           "smaller copy (on a phone, sending it as a photo rather than a file does that)?")
TOO_MANY_PIXELS = "That picture is too large for me to open ({pixels:,} pixels)."
NOT_FETCHED = "I couldn't fetch that photo just now. Could you send it again?"
KEPT = "I kept your photo."
ASK_CAPTION = (" Tell me about it: who is in it, where and when was it taken? Your next "
               "message will be its caption.")
CAPTION_KEPT = " Its caption is part of your story now."


class PhotoRejected(ValueError):
    """A photo storyloom cannot keep; the message says why, for the user."""


@dataclass(frozen=True)
class Prepared:
    """A photo made ready to keep: JPEG copies for print and screen."""

    print_jpeg: bytes
    screen_jpeg: bytes
    width: int
    height: int


@dataclass(frozen=True)
class PhotoIntake:
    """What became of one photo: the record kept, or why not."""

    photo: Photo | None
    notice: str


def _jpeg(image: Image.Image, long_side: int, quality: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue(), copy.width, copy.height


def prepare(data: bytes, print_px: int) -> Prepared:
    """Open, orient and resize an image (PhotoRejected when it is not one, or a bomb)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise PhotoRejected(TOO_MANY_PIXELS.format(
                        pixels=opened.width * opened.height))
                opened.seek(0)  # an animation: its first frame
                image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise PhotoRejected(NOT_AN_IMAGE) from exc
        raise PhotoRejected(TOO_MANY_PIXELS.format(pixels=MAX_PIXELS)) from exc
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt image data
        raise PhotoRejected(NOT_AN_IMAGE) from exc
    print_jpeg, width, height = _jpeg(image, print_px, 90)
    screen_jpeg, _, _ = _jpeg(image, SCREEN_PX, 82)
    return Prepared(print_jpeg, screen_jpeg, width, height)


def too_big(settings: Settings, size: int | None) -> str | None:
    """The answer for a photo over the size limit (known before downloading), else None."""
    limit = settings.storyloom_max_photo_bytes
    if size is None or size <= limit:
        return None
    return TOO_BIG.format(size=size / MB, limit=limit / MB)


def receive_photo(store: Store, settings: Settings, *, user: str, platform: str,
                  platform_ref: str, data: bytes, caption: str | None, turn_id: str | None,
                  at: datetime | None = None) -> PhotoIntake:
    """Keep one downloaded photo (sealed), linked to the turn its caption becomes."""
    refused = too_big(settings, len(data))
    if refused:
        return PhotoIntake(None, refused)
    try:
        ready = prepare(data, settings.storyloom_photo_print_px)
    except PhotoRejected as exc:
        logger.info("user %s: a photo was not kept (%s)", user, type(exc.__cause__).__name__)
        return PhotoIntake(None, str(exc))
    photo = Photo(user=user, platform=platform, platform_ref=platform_ref,
                  turn_id=turn_id if caption else None, caption=caption or None,
                  sent_at=at or utcnow(), width=ready.width, height=ready.height,
                  original_bytes=len(data))
    store.save_photo(photo, {"print": ready.print_jpeg, "screen": ready.screen_jpeg})
    logger.info("user %s: photo %s kept", user, photo.photo_id)
    return PhotoIntake(photo, KEPT + (CAPTION_KEPT if caption else ASK_CAPTION))


def caption_waiting(store: Store, user: str, turn_id: str, text: str,
                    at: datetime | None = None) -> Photo | None:
    """A photo sent without a caption just before: this turn becomes its caption."""
    photo = store.waiting_for_caption(user, at or utcnow(), CAPTION_WINDOW_S)
    if photo is None:
        return None
    captioned = photo.model_copy(update={"turn_id": turn_id, "caption": text})
    store.update_photo(captioned)
    return captioned


def link_turn_photos(store: Store, turn: Turn, analysis: Analysis) -> int:
    """Record on each photo of a turn the people, places and time its caption names."""
    photos = store.photos_of_turn(turn.user, turn.turn_id)
    if not photos:
        return 0
    people = tuple(dict.fromkeys(
        m.name or (f"your {m.relation}" if m.relation else "") for m in analysis.people))
    places = tuple(dict.fromkeys([*analysis.places, *analysis.organisations]))
    dated = next((t for t in analysis.times if t.start is not None), None)
    said = dated or (analysis.times[0] if analysis.times else None)
    update: dict[str, object] = {"people": tuple(p for p in people if p), "places": places,
                                 "time": said.text if said else None, "caption": turn.text}
    if dated is not None:
        update |= {"time_start": dated.start, "time_end": dated.end or dated.start}
    for photo in photos:
        store.update_photo(photo.model_copy(update=update))
    return len(photos)
