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
    # the photo as storyloom keeps it (downloaded, sealed, resized), when it could be kept
    photo_id: str | None = None


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


DeliveryKind = Literal["reply", "installment", "notice", "reminder", "transcript"]


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
    # a transcript: the voice note it was heard from (its buttons keep, correct or drop it)
    voice_id: str | None = None
    # a crisis reply: "self" when the user may lift the pause (no counselor), "counselor"
    # when their counselor decides; adapters put the helplines (and resume) buttons under it
    crisis: Literal["self", "counselor"] | None = None


StoryKind = Literal["next", "continue", "retry", "edit"]


class StoryRequest(Record):
    """A user's request for an installment, the payload of one generate job."""

    request_id: str = Field(default_factory=new_id)
    user: str
    kind: StoryKind = "next"
    tone: str = "auto"
    after_turn: str | None = None
    requested_at: datetime = Field(default_factory=utcnow)
    about: str | None = Field(default=None, description="/about: a person, place or event to tell")
    replaces: str | None = Field(default=None, description="/retry: the installment redone")


class GenerationStats(Record):
    """How an installment was made, so it can be traced to the weights that wrote it."""

    model: str
    prompt_tokens: int
    new_tokens: int
    seconds: float
    tokens_per_s: float
    # rows of the batch that generated it: other users' drafts may have shared it
    batch_rows: int = 1


Pov = Literal["first", "second", "third"]
Tense = Literal["past", "present"]


class ChatMessage(Record):
    """One message of a prompt (kept with installments and training records)."""

    role: str
    content: str


class DraftScores(Record):
    """How one draft measured against its plan and tone (0..1 unless noted)."""

    faithfulness: float = Field(ge=0, le=1)
    planned: int = Field(ge=0, description="planned people, places and times")
    missing: tuple[str, ...] = ()
    # named people and places in the draft that are not in the user's profile
    invented: tuple[str, ...] = ()
    tone_match: float = Field(ge=0, le=1)
    tone_ok: bool
    perplexity: float = Field(ge=0, description="the model's own perplexity of the text")
    repetition: float = Field(ge=0, le=1)
    distinct_2: float = Field(ge=0, le=1)
    safe: bool = True
    total: float = 0.0


class SourcedSentence(Record):
    """One sentence of an installment and the turns it rests on (none: a bridge)."""

    text: str
    sources: tuple[str, ...] = Field(default=(), description="turn ids the sentence retells")


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
    # story engine (all optional, so records written before it still read)
    kind: StoryKind = "next"
    chapter: int = Field(default=1, ge=1)
    pov: Pov = "second"
    tense: Tense = "past"
    requested_tone: str | None = None
    tone_target: str | None = None
    tone_override: bool = False
    beats: tuple[str, ...] = ()
    planned: tuple[str, ...] = ()
    prompt: tuple[ChatMessage, ...] = ()
    prefix: str = ""
    scores: DraftScores | None = None
    first_draft: DraftScores | None = None
    best_raw: DraftScores | None = None
    repaired: bool = False
    drafts: int = Field(default=1, ge=1)
    source: Literal["model", "user"] = "model"
    replaces: str | None = None
    after_turn: str | None = None
    turn_ids: tuple[str, ...] = Field(default=(), description="turns whose memories it tells")
    context_parts: int = Field(default=0, ge=0, description="earlier parts in the prompt")
    # grounded composition: the delivered text sentence by sentence, each with its sources
    sentences: tuple[SourcedSentence, ...] = ()
    # photos shown beside it (worker.story.photos picks them from its turns, people, places)
    photo_ids: tuple[str, ...] = ()


class UserSettings(Record):
    """Per-user choices that steer the story."""

    tone: str = "auto"
    # Which country's crisis lines a safety reply lists; None: the configured default.
    locale: str | None = None
    pov: Pov = "second"
    tense: Tense = "past"
    # The name the story calls the user by in the third person, and the pronoun after it.
    name: str | None = None
    pronoun: Literal["she", "he", "they"] = "they"


class Chapter(Record):
    """A chapter of a user's story: its title and the installment it starts at."""

    number: int = Field(ge=1)
    title: str
    starts_at: int = Field(ge=1, description="number of its first installment")


class StoryState(Record):
    """Where a user's story stands: chapters, and steering waiting for the next installment."""

    chapters: tuple[Chapter, ...] = ()
    about: str | None = None
    updated_at: datetime | None = None
    # the book's cover: its title and the name on it (/book title ..., /book name ...)
    title: str | None = None
    author: str | None = None


class StoryProgress(Record):
    """The text so far of the draft shown live while an installment is written."""

    request_id: str
    draft: int = Field(ge=0)
    text: str


class PreferencePair(Record):
    """Two versions of the same installment, one preferred (training data)."""

    pair_id: str = Field(default_factory=new_id)
    user: str
    # chosen: the user went back to an earlier version (/versions) over the one shown
    source: Literal["retry", "rerank", "chosen"]
    prompt: tuple[ChatMessage, ...]
    prefix: str = ""
    chosen: str
    rejected: str
    chosen_id: str | None = None
    rejected_id: str | None = None
    request_id: str
    turn_ids: tuple[str, ...] = ()
    model: str
    created_at: datetime = Field(default_factory=utcnow)


FeedbackKind = Literal["kept", "withdrawn", "edited", "retried"]


class StoryFeedback(Record):
    """What a user did with an installment: kept it, withdrew it, redid it, or rewrote it."""

    feedback_id: str = Field(default_factory=new_id)
    user: str
    kind: FeedbackKind
    installment_id: str
    request_id: str
    original: str
    edited: str | None = None
    replaced_by: str | None = None
    prompt: tuple[ChatMessage, ...] = ()
    turn_ids: tuple[str, ...] = ()
    created_at: datetime = Field(default_factory=utcnow)


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
