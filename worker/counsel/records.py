"""Records of the counselor side: accounts, client links, guided sessions, review, alerts.

Like every record they are frozen, forbid unknown fields and carry a schema
version. None of them holds a client's words except where a field says so
(a held installment, a counselor's prompts), and those pass through the
store's per-user codec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from worker.store.records import Delivery, Record, RiskLevel, new_id, utcnow

Role = Literal["admin", "counselor"]
ROLES: tuple[Role, ...] = ("admin", "counselor")


class Account(Record):
    """A dashboard account; the password is kept only as an argon2 hash ("" until the
    account's set-password link is used), the second factor as a TOTP secret (None until
    enrolled at the first login)."""

    account_id: str = Field(default_factory=new_id)
    email: str
    role: Role
    password_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    disabled: bool = False
    # The counselor's own chat (a user key such as telegram:42) for alert messages.
    chat_user: str | None = None
    totp_secret: str | None = None
    # Sessions opened before this (a password change, a reset) no longer work.
    sessions_after: datetime | None = None


class WebSession(Record):
    """A logged-in browser: which account, and its CSRF token."""

    account_id: str
    csrf: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # The last request seen; a session idle longer than the setting ends.
    last_seen: datetime = Field(default_factory=utcnow)


class PendingLogin(Record):
    """A password that matched, waiting for the second factor (or its enrolment)."""

    account_id: str
    # who the attempt counter is kept for (email and client address)
    who: str
    next: str = "/"
    # a secret offered for enrolment, saved on the account only once a code matches it
    enrol_secret: str | None = None
    expires_at: datetime


class Invite(Record):
    """A one-time code a counselor gives a client to start a link."""

    code: str
    counselor_id: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


LinkStatus = Literal["pending", "active"]


class ClientLink(Record):
    """A user's link to a counselor: pending until the user confirms."""

    user: str
    counselor_id: str
    # Opaque id of the client in dashboard URLs and the audit log (never the user key).
    ref: str = Field(default_factory=lambda: new_id()[:16])
    status: LinkStatus = "pending"
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None


class Privacy(Record):
    """A user's privacy choices towards their counselor."""

    private: bool = False
    updated_at: datetime | None = None


SessionStatus = Literal["asking", "answered", "ended"]


class GuidedSession(Record):
    """A counselor's plan of prompts for one client, asked in the chat in order."""

    session_id: str = Field(default_factory=new_id)
    user: str
    counselor_id: str
    template: str
    prompts: tuple[str, ...] = Field(min_length=1)
    review: bool = True
    # answers[i] is the id of the turn that answered prompts[i]
    answers: tuple[str, ...] = ()
    status: SessionStatus = "asking"
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None

    @property
    def asked(self) -> int:
        """How many prompts have been put to the client."""
        return min(len(self.prompts), len(self.answers) + 1)


ReviewStatus = Literal["pending", "approved", "edited", "rejected"]


class HeldInstallment(Record):
    """An installment waiting for (or decided by) the counselor's review."""

    installment_id: str
    user: str
    delivery: Delivery
    held_at: datetime = Field(default_factory=utcnow)
    status: ReviewStatus = "pending"
    note: str | None = None
    original_text: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


class Alert(Record):
    """Risk seen in one turn: level, categories and rule ids, never the words."""

    alert_id: str
    user: str
    turn_id: str
    level: RiskLevel
    categories: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    about_someone_else: bool = False
    paused: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None


class AuditEntry(Record):
    """Who looked at or changed what, when; client refs only, never client text.

    Entries form a hash chain: `prev` is the SHA-256 of the entry before, exactly as it
    was stored, so editing or removing one breaks the chain after it (version 1 entries
    were written before the chain and carry none)."""

    schema_version: int = 2
    prev: str = ""
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: str
    client: str | None = None
    detail: str | None = None


class Pseudonyms(Record):
    """Names a user replaced for exports: real name -> pseudonym."""

    names: dict[str, str] = Field(default_factory=dict)
