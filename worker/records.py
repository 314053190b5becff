"""Records that cross a process boundary: pydantic models serialised as JSON.

Every record is frozen, forbids unknown fields and carries a schema version so
a reader can tell an old record from a malformed one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random, URL-safe record id."""
    return uuid.uuid4().hex


class Record(BaseModel):
    """Base of every stored or queued record."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: int = 1


class Attachment(Record):
    """A reference to something sent with a turn (a photo), kept for export."""

    kind: str
    platform_ref: str
    caption: str | None = None


class Turn(Record):
    """One thing a user said, as an adapter received it."""

    turn_id: str
    user: str
    platform: str
    chat_id: str
    seq: int = Field(ge=1)
    text: str
    created_at: datetime
    truncated: bool = False
    attachments: tuple[Attachment, ...] = ()
    # An edited message keeps its turn_id and seq; each edit is a new revision.
    revision: int = Field(default=0, ge=0)
    edited_at: datetime | None = None


DeliveryKind = Literal["reply", "installment", "notice"]


class Delivery(Record):
    """Something storyloom sends back to a user, read from their delivery stream."""

    delivery_id: str = Field(default_factory=new_id)
    user: str
    kind: DeliveryKind
    text: str
    in_reply_to: str | None = None
    installment_id: str | None = None
    tone: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


StoryKind = Literal["next", "continue", "retry"]


class StoryRequest(Record):
    """A user's request for an installment, the payload of one generate job."""

    request_id: str = Field(default_factory=new_id)
    user: str
    kind: StoryKind = "next"
    tone: str = "auto"
    after_turn: str | None = None
    requested_at: datetime = Field(default_factory=utcnow)


class GenerationStats(Record):
    """How an installment was made, so it can be traced to the weights that wrote it."""

    model: str
    prompt_tokens: int
    new_tokens: int
    seconds: float
    tokens_per_s: float


class Installment(Record):
    """One delivered piece of a user's life story."""

    installment_id: str = Field(default_factory=new_id)
    user: str
    request_id: str
    number: int = Field(ge=1)
    text: str
    tone: str
    event_ids: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    stats: GenerationStats
    created_at: datetime = Field(default_factory=utcnow)


class UserSettings(Record):
    """Per-user choices that steer the story."""

    tone: str = "auto"
    # Which country's crisis lines a safety reply lists; None: the configured default.
    locale: str | None = None


RiskLevel = Literal["none", "low", "elevated", "high"]


class SafetyState(Record):
    """A user's current safety state: risk seen in their turns, and whether stories pause."""

    level: RiskLevel = "none"
    paused: bool = False
    updated_at: datetime | None = None


class Consent(Record):
    """What a user agreed to: keeping their story, and sharing it with their communities."""

    agreed_at: datetime
    platform: str
    share_with_community: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class Feedback(Record):
    """One press of a button under an installment (keep, not for me, another version, tone)."""

    user: str
    installment_id: str
    kind: str
    at: datetime = Field(default_factory=utcnow)
