"""Every Redis key storyloom uses, built in one place (as rq's ``Job.key_for``).

All keys start with the configured prefix so an operator can find them with
``SCAN MATCH <prefix>:*``. User keys are opaque ids such as ``local:demo`` or
``telegram:12345``; they never carry message text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    """Builds the Redis keys under one prefix."""

    prefix: str = "storyloom"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # -- turns: one stream for all users, consumed by the NLU group -------------
    def turns_stream(self) -> str:
        return self._k("turns")

    def turn_seq(self, user: str) -> str:
        """Counter giving each of a user's turns its sequence number."""
        return self._k("user", user, "seq")

    def turn_ids(self, user: str) -> str:
        """Hash turn_id -> stored turn record (for edits and export)."""
        return self._k("user", user, "turns")

    def last_turn(self, user: str) -> str:
        """The id of the user's latest stored turn."""
        return self._k("user", user, "last-turn")

    def processed_turns(self, user: str) -> str:
        """Set of turn ids already applied to the profile (exactly-once)."""
        return self._k("user", user, "processed")

    # -- user data -----------------------------------------------------------
    def users(self) -> str:
        return self._k("users")

    def profile(self, user: str) -> str:
        return self._k("user", user, "profile")

    def installments(self, user: str) -> str:
        """List of installment ids in story order."""
        return self._k("user", user, "installments")

    def installment(self, user: str, installment_id: str) -> str:
        return self._k("user", user, "installment", installment_id)

    def request_result(self, request_id: str) -> str:
        """Marks a story request as fulfilled (so a retried job delivers once)."""
        return self._k("request", request_id, "done")

    def safety(self, user: str) -> str:
        """The user's safety state (risk level, story pause)."""
        return self._k("user", user, "safety")

    def user_settings(self, user: str) -> str:
        return self._k("user", user, "settings")

    def pseudonyms(self, user: str) -> str:
        """Names the user replaced with pseudonyms in exports."""
        return self._k("user", user, "pseudonyms")

    def data_key(self, user: str) -> str:
        """The user's data key, wrapped by the master key (deleting it shreds their data)."""
        return self._k("user", user, "data-key")

    # -- counselors: accounts and dashboard sessions (staff, not user data) -----
    def accounts(self) -> str:
        """Hash account id -> account record."""
        return self._k("counsel", "accounts")

    def account_emails(self) -> str:
        """Hash normalised email -> account id."""
        return self._k("counsel", "account-emails")

    def web_session(self, token_digest: str) -> str:
        """A dashboard login, by the SHA-256 of its cookie token."""
        return self._k("counsel", "web-session", token_digest)

    def login_failures(self, who_digest: str) -> str:
        """Failed-login counter for one account and address (digested)."""
        return self._k("counsel", "login-failures", who_digest)

    def chat_link_code(self, code: str) -> str:
        """A one-time code linking a counselor's own chat for alert messages."""
        return self._k("counsel", "chat-code", code)

    # -- counselors and their clients ------------------------------------------------
    def invite(self, code: str) -> str:
        return self._k("counsel", "invite", code)

    def client_link(self, user: str) -> str:
        """The user's link to a counselor (pending or active)."""
        return self._k("user", user, "counselor")

    def client_refs(self) -> str:
        """Hash client ref -> user key (refs are what dashboard URLs carry)."""
        return self._k("counsel", "client-refs")

    def counselor_clients(self, counselor_id: str) -> str:
        """Set of the users linked (actively) to a counselor."""
        return self._k("counsel", "clients", counselor_id)

    def privacy(self, user: str) -> str:
        return self._k("user", user, "privacy")

    def guided_session(self, user: str) -> str:
        """The user's current (or last) guided session."""
        return self._k("user", user, "guided")

    def review_hold(self, user: str) -> str:
        """Exists while the user's installments wait for their counselor's review."""
        return self._k("user", user, "review-hold")

    def held_installments(self, user: str) -> str:
        """Hash installment id -> held installment (the review queue of one client)."""
        return self._k("user", user, "held")

    def alerts(self) -> str:
        """Sorted set of every alert id by time (admins see all)."""
        return self._k("counsel", "alerts")

    def alert_users(self) -> str:
        """Hash alert id -> the user it is about."""
        return self._k("counsel", "alert-users")

    def user_alerts(self, user: str) -> str:
        """Hash alert id -> alert record, for one user."""
        return self._k("user", user, "alerts")

    def audit_log(self) -> str:
        """Stream of who viewed or changed what (no client text)."""
        return self._k("counsel", "audit")

    # -- delivery: per-user stream, per-platform wake-up ----------------------
    def deliveries(self, user: str) -> str:
        return self._k("user", user, "deliveries")

    def delivery_cursor(self, platform: str, user: str) -> str:
        return self._k("cursor", platform, user)

    def pending_delivery_users(self, platform: str) -> str:
        return self._k("outbox", platform, "pending")

    def delivery_wakeup(self, platform: str) -> str:
        return self._k("outbox", platform, "wake")

    # -- operations -----------------------------------------------------------
    def dead_letters(self) -> str:
        return self._k("dead-letter")
