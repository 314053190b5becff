"""What a chat adapter received, in storyloom's own terms (no platform types)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from worker.store.records import Attachment, utcnow

Kind = Literal["text", "command", "press", "edit", "photo", "sticker", "voice", "document",
               "forward", "other"]


@dataclass(frozen=True)
class Download:
    """A photo's bytes as the adapter fetched them (or why it could not)."""

    platform_ref: str
    data: bytes | None = None
    # the size the platform declared (known before downloading)
    size: int | None = None
    problem: Literal["too_big", "failed"] | None = None


@dataclass(frozen=True)
class Inbound:
    """One update from a platform, translated: who, where, what."""

    kind: Kind
    platform: str
    user: str
    chat_id: str
    private: bool
    thread: bool = False
    name: str = ""
    text: str = ""
    command: str | None = None
    args: str = ""
    data: str | None = None
    addressed: bool = True
    message_id: str | None = None
    turn_id: str | None = None
    title: str | None = None
    at: datetime = field(default_factory=utcnow)
    attachments: tuple[Attachment, ...] = ()
    # photos downloaded by the adapter (private chats only)
    files: tuple[Download, ...] = ()
    # a voice note: its audio (fetched by the adapter unless refused), length and size
    audio: bytes = b""
    audio_seconds: float | None = None
    audio_size: int | None = None
