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

    def graph_nodes(self, user: str) -> str:
        """Hash node_id -> node of the user's knowledge graph."""
        return self._k("user", user, "graph", "nodes")

    def graph_edges(self, user: str) -> str:
        """Hash edge_id -> edge of the user's knowledge graph."""
        return self._k("user", user, "graph", "edges")

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
