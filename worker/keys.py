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

    def story_state(self, user: str) -> str:
        """Chapters and pending steering of the user's story."""
        return self._k("user", user, "story")

    def story_progress(self, user: str, request_id: str) -> str:
        """Stream of the installment being written (for adapters that show it live)."""
        return self._k("user", user, "progress", request_id)

    def preference_pairs(self, user: str) -> str:
        """List of preference pairs (chosen/rejected versions) for training."""
        return self._k("user", user, "train", "pairs")

    def story_feedback(self, user: str) -> str:
        """List of what the user did with installments (kept, withdrawn, edited, retried)."""
        return self._k("user", user, "train", "feedback")

    def request_result(self, request_id: str) -> str:
        """Marks a story request as fulfilled (so a retried job delivers once)."""
        return self._k("request", request_id, "done")

    def safety(self, user: str) -> str:
        """The user's safety state (risk level, story pause)."""
        return self._k("user", user, "safety")

    def user_settings(self, user: str) -> str:
        return self._k("user", user, "settings")

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
