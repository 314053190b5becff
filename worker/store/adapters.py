"""The adapter registry and training bookkeeping of each user.

Versions are sealed user records under the user's keys (so /forget erases them
with everything else); the adapter files live in the data folder
(``worker.counsel.rights.adapter_dir``). Turns a user keeps out of training, and the
count of new tokens since their last fine-tune, live here too.
"""

from __future__ import annotations

from collections.abc import Iterable

from worker.store.base import StoreBase
from worker.training.records import AdapterVersion

WITHHELD_REASONS = ("private", "withdrawn")


class AdapterStore(StoreBase):
    """Reads and writes adapter versions, withheld turns and new-token counts."""

    def save_adapter_version(self, version: AdapterVersion) -> None:
        """Store (or replace) one adapter version."""
        self.redis.hset(self.keys.adapter_versions(version.user), version.version_id,
                        self._dump(version.user, version))

    def adapter_versions(self, user: str) -> list[AdapterVersion]:
        """Every adapter version of the user, oldest first."""
        key = self.keys.adapter_versions(user)
        found = (self._load(AdapterVersion, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((v for v in found if v is not None), key=lambda v: v.number)

    def get_adapter_version(self, user: str, version_id: str) -> AdapterVersion | None:
        """One version by id."""
        key = self.keys.adapter_versions(user)
        return self._load(AdapterVersion, self.redis.hget(key, version_id), key, user)

    def current_adapter(self, user: str) -> AdapterVersion | None:
        """The user's promoted adapter, if any."""
        raw = self.redis.get(self.keys.adapter_current(user))
        return self.get_adapter_version(user, raw.decode()) if raw else None

    def set_current_adapter(self, user: str, version_id: str | None) -> None:
        """Make a version the one serving the user (None: the base model)."""
        if version_id is None:
            self.redis.delete(self.keys.adapter_current(user))
        else:
            self.redis.set(self.keys.adapter_current(user), version_id)

    def promote_adapter_version(self, version: AdapterVersion) -> None:
        """Store a version and make it current, retiring the one before, all at once."""
        previous = self.current_adapter(version.user)
        key = self.keys.adapter_versions(version.user)
        # MULTI/EXEC: a worker killed half-way never leaves two promoted, or a retired current
        with self.redis.pipeline() as pipe:
            if previous is not None and previous.version_id != version.version_id:
                retired = previous.model_copy(update={"status": "retired"})
                pipe.hset(key, previous.version_id, self._dump(version.user, retired))
            pipe.hset(key, version.version_id, self._dump(version.user, version))
            pipe.set(self.keys.adapter_current(version.user), version.version_id)
            pipe.execute()

    def withhold_turns(self, user: str, turn_ids: Iterable[str], reason: str) -> list[str]:
        """Keep turns out of training; returns the versions now marked for retraining."""
        if reason not in WITHHELD_REASONS:
            raise ValueError(f"reason must be one of {WITHHELD_REASONS}")
        ids = set(turn_ids)
        if not ids:
            return []
        self.redis.hset(self.keys.training_withheld(user), mapping=dict.fromkeys(ids, reason))
        marked = []
        for version in self.adapter_versions(user):
            if ids & set(version.turn_ids) and not version.needs_retrain:
                self.save_adapter_version(version.model_copy(update={"needs_retrain": True}))
                marked.append(version.version_id)
        return marked

    def withheld_turns(self, user: str) -> dict[str, str]:
        """Turn id -> why it is kept out of training."""
        raw = self.redis.hgetall(self.keys.training_withheld(user))
        return {k.decode(): v.decode() for k, v in raw.items()}

    def add_training_tokens(self, user: str, tokens: int) -> int:
        """Count new tokens the user wrote; returns the count since the last fine-tune."""
        return int(self.redis.incrby(self.keys.training_tokens(user), tokens))

    def take_training_tokens(self, user: str) -> int:
        """The count of new tokens, reset to zero (a fine-tune starts on them)."""
        raw = self.redis.getdel(self.keys.training_tokens(user))
        return int(raw) if raw else 0
