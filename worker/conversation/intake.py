"""Turning what an adapter received into a stored turn, whatever it was.

Every adapter calls :func:`receive_text`; bad input (empty, huge, control
characters, undecodable bytes) gets a short, clear reply and every valid turn
is stored.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from worker.ops import metrics
from worker.settings import Settings
from worker.store.records import Attachment, Turn, new_id, utcnow
from worker.store.store import Store

logger = logging.getLogger(__name__)

EMPTY = "I didn't catch anything there. Tell me about a person, a place or a moment from your life."
CUT = ("That was a very long message: I kept the first {kept:,} characters. "
       "Could you send the rest in smaller parts?")
_KEEP_CONTROLS = {"\n", "\t"}


@dataclass(frozen=True)
class Intake:
    """The outcome of receiving one message: the stored turn and/or a notice."""

    turn: Turn | None
    notice: str | None = None
    duplicate: bool = False


def clean_text(raw: str | bytes) -> str:
    """Text as storyloom keeps it: valid UTF-8, NFC, without control characters."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch for ch in text
        if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs", "Co")
    )
    return text.replace("\r\n", "\n").strip()


def has_content(text: str) -> bool:
    """True when something would show: not only spaces and invisible format characters."""
    return any(unicodedata.category(ch)[0] not in "ZC" for ch in text)


def receive_text(
    store: Store,
    settings: Settings,
    *,
    user: str,
    platform: str,
    chat_id: str,
    text: str | bytes,
    turn_id: str | None = None,
    at: datetime | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> Intake:
    """Store one message as a turn (or say why not); idempotent on turn_id."""
    cleaned = clean_text(text)
    store.touch_user(user)
    if not has_content(cleaned):
        metrics.TURNS_RECEIVED.labels(platform=platform, outcome="empty").inc()
        return Intake(turn=None, notice=EMPTY)
    limit = settings.storyloom_max_message_chars
    truncated = len(cleaned) > limit
    if truncated:
        cleaned = cleaned[:limit]
    turn = Turn(
        turn_id=turn_id or new_id(), user=user, platform=platform, chat_id=chat_id,
        seq=store.next_seq(user), text=cleaned, created_at=at or utcnow(),
        truncated=truncated, attachments=attachments,
    )
    added = store.append_turn(turn)
    metrics.TURNS_RECEIVED.labels(platform=platform, outcome="duplicate" if not added else
                                  "truncated" if truncated else "stored").inc()
    if not added:
        logger.info("user %s: turn %s was already stored", user, turn.turn_id)
    return Intake(turn=turn, notice=CUT.format(kept=limit) if truncated else None,
                  duplicate=not added)
