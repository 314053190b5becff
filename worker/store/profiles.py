"""Profiles and per-user settings."""

from __future__ import annotations

from collections.abc import Callable

import redis

from worker.profile.model import Profile
from worker.store.deliveries import DeliveryStore
from worker.store.graph import GraphStore
from worker.store.records import Delivery, Turn, UserSettings
from worker.store.turns import LeaseLost

Update = Callable[[Profile], tuple[Profile, list[Delivery]]]


class ProfileStore(DeliveryStore, GraphStore):
    """Reads and writes profiles, applying each turn exactly once."""

    def get_profile(self, user: str) -> Profile:
        """The user's profile (an empty one if nothing is known yet)."""
        key = self.keys.profile(user)
        return self._load(Profile, self.redis.get(key), key, user) or Profile(user=user)

    def apply_turn(
        self, turn: Turn, group: str, entry_id: str, update: Update, marker: str | None = None,
        shard: int = 0, lease: str | None = None,
    ) -> bool:
        """Apply one turn to the profile exactly once, atomically with its ack.

        The profile write, the processed-marker (the turn id, or a revision's own
        marker), the replies and the ack of the entry on its turns shard commit
        together; a turn seen twice (redelivered after a crash) is only
        acknowledged. Returns False when the turn had already been applied. With
        `lease` (the consumer name), the shard's lease is watched too and
        LeaseLost raised if another consumer owns it (keeps per-user order).
        """
        keys = self.keys
        marker = marker or turn.turn_id
        stream = keys.turns_stream(shard)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(keys.profile(turn.user), keys.processed_turns(turn.user),
                               *([keys.turn_lease(shard)] if lease else []))
                    if lease and pipe.get(keys.turn_lease(shard)) != lease.encode():
                        pipe.unwatch()
                        raise LeaseLost(f"shard {shard}")
                    if pipe.sismember(keys.processed_turns(turn.user), marker):
                        pipe.unwatch()
                        self.redis.xack(stream, group, entry_id)
                        return False
                    profile, replies = update(self.get_profile(turn.user))
                    pipe.multi()
                    pipe.set(keys.profile(turn.user), self._dump(turn.user, profile))
                    self._write_graph(pipe, profile)
                    pipe.sadd(keys.processed_turns(turn.user), marker)
                    for delivery in replies:
                        self._queue_delivery(pipe, delivery)
                    pipe.xack(stream, group, entry_id)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def update_profile(self, user: str, change: Callable[[Profile], Profile]) -> Profile:
        """Change a profile atomically (retried when a turn is applied meanwhile)."""
        key = self.keys.profile(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    profile = change(self.get_profile(user))
                    pipe.multi()
                    pipe.set(key, self._dump(user, profile))
                    self._write_graph(pipe, profile)
                    pipe.execute()
                    return profile
                except redis.WatchError:
                    continue

    def save_profile(self, profile: Profile) -> None:
        """Overwrite a profile (commands that correct it)."""
        with self.redis.pipeline() as pipe:
            pipe.set(self.keys.profile(profile.user), self._dump(profile.user, profile))
            self._write_graph(pipe, profile)
            pipe.execute()

    def get_settings(self, user: str) -> UserSettings:
        """The user's story settings (defaults if never set)."""
        key = self.keys.user_settings(user)
        return self._load(UserSettings, self.redis.get(key), key, user) or UserSettings()

    def save_settings(self, user: str, settings: UserSettings) -> None:
        """Store the user's story settings."""
        self.redis.set(self.keys.user_settings(user), self._dump(user, settings))
