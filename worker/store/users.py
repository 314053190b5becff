"""The set of users storyloom holds data for."""

from __future__ import annotations

from worker.store.base import StoreBase


class UserStore(StoreBase):
    """Knows which users exist."""

    def users(self) -> list[str]:
        """Every user key storyloom holds data for."""
        return sorted(u.decode() for u in self.redis.smembers(self.keys.users()))

    def touch_user(self, user: str) -> None:
        """Remember that a user exists (commands can come before any turn)."""
        self.redis.sadd(self.keys.users(), user)
