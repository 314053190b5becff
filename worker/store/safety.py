"""Per-user safety state (risk level, story pause)."""

from __future__ import annotations

from worker.store.base import StoreBase
from worker.store.records import SafetyState


class SafetyStore(StoreBase):
    """Reads and writes the safety state that gates story generation."""

    def get_safety(self, user: str) -> SafetyState:
        """The user's safety state (no risk, not paused, when never set)."""
        key = self.keys.safety(user)
        return self._load(SafetyState, self.redis.get(key), key, user) or SafetyState()

    def save_safety(self, user: str, state: SafetyState) -> None:
        """Store the user's safety state."""
        self.redis.set(self.keys.safety(user), self._dump(user, state))
