"""Corrections of what storyloom understood, kept in the order the user made them."""

from __future__ import annotations

from worker.store.base import StoreBase
from worker.store.book_records import Correction


class CorrectionStore(StoreBase):
    """Appends and reads a user's corrections (sealed)."""

    def add_correction(self, correction: Correction) -> None:
        """Keep one correction (applied or not: the user's words are never lost)."""
        self.redis.rpush(self.keys.corrections(correction.user),
                         self._dump(correction.user, correction))

    def corrections(self, user: str) -> list[Correction]:
        """The user's corrections, oldest first."""
        key = self.keys.corrections(user)
        loaded = (self._load(Correction, raw, key, user)
                  for raw in self.redis.lrange(key, 0, -1))
        return [c for c in loaded if c is not None]
