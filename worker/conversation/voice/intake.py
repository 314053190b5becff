"""A voice note received, and the user's decision on its transcript: keep it (it becomes a
turn, like a typed message), correct it (their words become the turn), or drop it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from worker.conversation.intake import Intake, receive_text
from worker.conversation.voice.jobs import PROBLEMS, too_long
from worker.ops.queues import enqueue_transcription
from worker.settings import Settings
from worker.store.records import Attachment
from worker.store.store import Store
from worker.store.voice import VoiceNote

logger = logging.getLogger(__name__)

LISTENING = "Listening to your voice note…"
TOO_BIG = ("That file is too large for me ({mb:.0f} MB; I take up to {limit:.0f} MB). Could "
           "you send a shorter recording? Nothing was kept.")
NOTHING_WAITING = "There's no transcript waiting for you right now."
KEPT = "Kept, in your words: “{text}”"
DROPPED = "Dropped: nothing of that voice note was kept."
ASK_FIX = ("Send me the words as they should read, and I'll keep them instead. (Or send "
           "/voice keep to keep what I heard.)")


@dataclass(frozen=True)
class VoiceReceipt:
    """What to tell the user now, and the voice note whose transcript will follow (if any)."""

    text: str
    voice_id: str | None = None


def refusal(settings: Settings, size: int | None, seconds: float | None) -> str | None:
    """Why a voice note is refused before it is even fetched (None: fetch it)."""
    if size is not None and size > settings.storyloom_voice_max_bytes:
        return TOO_BIG.format(mb=size / 1e6, limit=settings.storyloom_voice_max_bytes / 1e6)
    if seconds is not None and seconds > settings.storyloom_voice_max_seconds:
        return too_long(seconds, settings.storyloom_voice_max_seconds)
    return None


def receive_voice(store: Store, client: redis.Redis, settings: Settings, *, user: str,
                  platform: str, chat_id: str, data: bytes, turn_id: str, source: str = "",
                  seconds: float | None = None) -> VoiceReceipt:
    """Keep a voice note (sealed) until it is heard, and queue its transcription."""
    refused = refusal(settings, len(data), seconds)
    if refused is not None:
        return VoiceReceipt(refused)
    if not data:
        return VoiceReceipt(PROBLEMS["empty"])
    note = VoiceNote(user=user, platform=platform, chat_id=chat_id, turn_id=turn_id,
                     source=source, duration_s=seconds)
    store.touch_user(user)
    store.put_voice(note, data)
    enqueue_transcription(client, settings, user, note.voice_id)
    logger.info("user %s sent voice note %s (%d bytes)", user, note.voice_id, len(data))
    return VoiceReceipt(LISTENING, note.voice_id)


def _note(store: Store, user: str, voice_id: str | None) -> VoiceNote | None:
    note = store.get_voice(user, voice_id) if voice_id else store.latest_voice(user)
    return note if note is not None and note.text is not None else None


def keep_voice(store: Store, settings: Settings, user: str, voice_id: str | None = None,
               correction: str | None = None) -> tuple[str, Intake | None]:
    """The transcript (or the user's correction of it) becomes a turn."""
    note = _note(store, user, voice_id)
    if note is None:
        return NOTHING_WAITING, None
    text = (correction or note.text or "").strip()
    if not text:
        return ASK_FIX, None
    intake = receive_text(store, settings, user=user, platform=note.platform,
                          chat_id=note.chat_id, text=text, turn_id=note.turn_id,
                          attachments=(Attachment(kind="voice", platform_ref=note.source,
                                                  caption=None),))
    store.forget_voice(user, note.voice_id)
    store.set_voice_fixing(user, None)
    return KEPT.format(text=text if len(text) <= 300 else text[:299] + "…"), intake


def drop_voice(store: Store, user: str, voice_id: str | None = None) -> str:
    """The transcript is not wanted: nothing of the voice note stays."""
    note = _note(store, user, voice_id)
    if note is None:
        return NOTHING_WAITING
    store.forget_voice(user, note.voice_id)
    store.set_voice_fixing(user, None)
    return DROPPED


def await_fix(store: Store, user: str, voice_id: str | None = None) -> str:
    """The user's next message corrects the transcript."""
    note = _note(store, user, voice_id)
    if note is None:
        return NOTHING_WAITING
    store.set_voice_fixing(user, note.voice_id)
    return ASK_FIX
