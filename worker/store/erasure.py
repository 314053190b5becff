"""Erasure: deleting everything storyloom holds about one user."""

from __future__ import annotations

import logging

from worker.store.community import CommunityStore

logger = logging.getLogger(__name__)

_SCAN_BATCH = 500
_STREAM_PAGE = 1000


class ErasureStore(CommunityStore):
    """Deletes a user's keys, stream entries and community contributions."""

    def _delete_matching(self, pattern: str) -> int:
        deleted = 0
        batch: list[bytes] = []
        for key in self.redis.scan_iter(match=pattern, count=_SCAN_BATCH):
            batch.append(key)
            if len(batch) >= _SCAN_BATCH:
                deleted += int(self.redis.delete(*batch))
                batch.clear()
        if batch:
            deleted += int(self.redis.delete(*batch))
        return deleted

    def _delete_stream_turns(self, user: str) -> int:
        """Remove the user's entries from the turns streams (they carry their text)."""
        # the user's shard, and shard 0: the stream's name before it was sharded
        shards = {self.keys.turn_shard(user), 0}
        return sum(self._delete_shard_turns(self.keys.turns_stream(s), user) for s in shards)

    def _delete_shard_turns(self, stream: str, user: str) -> int:
        wanted, removed = user.encode(), 0
        start = "-"
        while True:
            page = self.redis.xrange(stream, start, "+", count=_STREAM_PAGE)
            ids = [eid for eid, fields in page if fields.get(b"user") == wanted]
            if ids:
                removed += int(self.redis.xdel(stream, *ids))
            if len(page) < _STREAM_PAGE:
                return removed
            start = "(" + page[-1][0].decode()

    def _delete_dead_letters(self, user: str) -> int:
        """Dead-lettered records of the user (or naming their keys) go too."""
        wanted, removed, start = user.encode(), 0, "-"
        stream = self.keys.dead_letters()
        while True:
            page = self.redis.xrange(stream, start, "+", count=_STREAM_PAGE)
            ids = [eid for eid, fields in page
                   if any(wanted in value for value in fields.values())]
            if ids:
                removed += int(self.redis.xdel(stream, *ids))
            if len(page) < _STREAM_PAGE:
                return removed
            start = "(" + page[-1][0].decode()

    def _forget_ballots(self, user: str) -> None:
        for key in self.redis.scan_iter(match=self.keys.vote_ballots_pattern(), count=_SCAN_BATCH):
            self.redis.hdel(key, user)

    def erase_user(self, user: str) -> int:
        """Delete every key of the user and their turns on the stream; returns keys deleted."""
        blanked = self.remove_member_contributions(user)
        deleted = self._delete_matching(self.keys.user_pattern(user))
        deleted += self._delete_matching(self.keys.delivery_cursor_pattern(user))
        deleted += int(self.redis.delete(self.keys.finetune_lock(user)))
        for key in self.redis.scan_iter(match=self.keys.pending_delivery_pattern()):
            self.redis.srem(key, user)
        for key in self.redis.scan_iter(match=self.keys.delivery_wakeup_pattern()):
            self.redis.lrem(key, 0, user)
        self.redis.srem(self.keys.users(), user)
        self._forget_ballots(user)
        self._delete_dead_letters(user)
        self.redis.zrem(self.keys.reminders_due(), user)
        entries = self._delete_stream_turns(user)
        logger.info("user %s erased: %s keys, %s stream entries, %s contributions blanked",
                    user, deleted, entries, blanked)
        return deleted
