"""Consent: what a user agreed to, kept before anything else of theirs is stored."""

from __future__ import annotations

from datetime import datetime

from worker.store.base import StoreBase
from worker.store.records import Consent, utcnow


class ConsentStore(StoreBase):
    """Reads and writes each user's consent and community-sharing choice."""

    def get_consent(self, user: str) -> Consent | None:
        """The user's consent, or None when they have not agreed (or took it back)."""
        key = self.keys.consent(user)
        return self._load(Consent, self.redis.get(key), key, user)

    def give_consent(self, user: str, platform: str, at: datetime | None = None) -> Consent:
        """Record that the user agreed; agreeing again keeps their sharing choice. A user who
        was forgotten starts afresh with a new data key."""
        self.revive_user(user)
        before = self.get_consent(user)
        consent = Consent(
            agreed_at=before.agreed_at if before else (at or utcnow()), platform=platform,
            share_with_community=before.share_with_community if before else False,
        )
        self.redis.set(self.keys.consent(user), self._dump(user, consent))
        return consent

    def set_community_sharing(self, user: str, share: bool) -> Consent | None:
        """Allow (or stop) using the user's private memories in community stories."""
        before = self.get_consent(user)
        if before is None:
            return None
        after = before.model_copy(update={"share_with_community": share, "updated_at": utcnow()})
        self.redis.set(self.keys.consent(user), self._dump(user, after))
        return after

    def shares_with_community(self, user: str) -> bool:
        """True only when the user agreed and turned sharing on (default off)."""
        consent = self.get_consent(user)
        return bool(consent and consent.share_with_community)
