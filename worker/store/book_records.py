"""Records of the book and the family: photos, corrections, family links and their questions.

Like every user record they are sealed under the user's data key, so /forget
(which destroys that key first) makes them unreadable before it deletes them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from worker.store.records import Record, new_id, utcnow


class Photo(Record):
    """A photo a user sent: where it came from, what its caption names, and its sizes."""

    photo_id: str = Field(default_factory=new_id)
    user: str
    platform: str
    platform_ref: str
    # the turn its caption became (None until the user says something about it)
    turn_id: str | None = None
    caption: str | None = None
    sent_at: datetime
    width: int = Field(ge=1, description="of the print copy, in pixels")
    height: int = Field(ge=1)
    original_bytes: int = Field(ge=0, description="size as sent")
    # what the NLU found in the caption
    people: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    time: str | None = None
    time_start: date | None = None
    time_end: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


CorrectionKind = Literal["relation", "forget"]


class Correction(Record):
    """A user's correction of what storyloom understood, kept and re-applied after updates."""

    correction_id: str = Field(default_factory=new_id)
    user: str
    kind: CorrectionKind
    # relation: the person and their relation as the user states it; forget: what to forget
    subject: str
    relation: str | None = None
    # relation: what the person was to the user before (the word the story said)
    previous: str | None = None
    # the names it matched when it was made (what it changed)
    matched: tuple[str, ...] = ()
    # the turns that told what it changed: what a later turn tells again is kept
    turn_ids: tuple[str, ...] = ()
    said: str = Field(description="the user's words")
    applied: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class FamilyLink(Record):
    """A private, read-only link to a user's story for their family (the token is not kept)."""

    link_id: str = Field(default_factory=new_id)
    user: str
    digest: str = Field(description="SHA-256 of the token, hex")
    label: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    views: int = Field(default=0, ge=0)
    last_viewed_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        """True while the link opens the page."""
        return self.revoked_at is None and now < self.expires_at


QuestionStatus = Literal["waiting", "asked", "declined"]


class FamilyQuestion(Record):
    """A question a family member left on the page; the user decides if it is asked."""

    question_id: str = Field(default_factory=new_id)
    user: str
    link_id: str
    number: int = Field(ge=1, description="how the user refers to it (/family ask N)")
    text: str
    from_name: str | None = None
    status: QuestionStatus = "waiting"
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
