"""Crypto-shredding: forget a user by destroying their data key, then their data.

The data key goes first: from that moment every sealed record of the user,
wherever a copy survives (a replica, a backup, a stream entry missed below),
no longer opens. Then the records themselves, the user's turns on the shared
stream, and the counselor-side indexes that name them are deleted.
"""

from __future__ import annotations

import logging

from worker.store.counsel import CounselStore
from worker.store.pseudonyms import PseudonymStore

logger = logging.getLogger(__name__)

_SCAN = 500
_STREAM_PAGE = 1000


def glob_escape(text: str) -> str:
    """Text matched literally inside a Redis SCAN pattern."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


class ShredStore(CounselStore, PseudonymStore):
    """Deletes everything the store holds about one user."""

    def _delete_pattern(self, pattern: str) -> int:
        deleted = 0
        batch: list[bytes] = []
        for key in self.redis.scan_iter(match=pattern, count=_SCAN):
            batch.append(key)
            if len(batch) >= _SCAN:
                deleted += int(self.redis.delete(*batch))
                batch.clear()
        if batch:
            deleted += int(self.redis.delete(*batch))
        return deleted

    def _delete_stream_entries(self, stream: str, user: str) -> int:
        wanted, removed, start = user.encode(), 0, "-"
        while True:
            page = self.redis.xrange(stream, start, "+", count=_STREAM_PAGE)
            ids = [eid for eid, fields in page if fields.get(b"user") == wanted]
            if ids:
                removed += int(self.redis.xdel(stream, *ids))
            if len(page) < _STREAM_PAGE:
                return removed
            start = "(" + page[-1][0].decode()

    def _forget_counsel(self, user: str) -> None:
        """Drop the indexes that name the user; works without opening any sealed record."""
        wanted = user.encode()
        refs = [ref for ref, who in self.redis.hgetall(self.keys.client_refs()).items()
                if who == wanted]
        alert_ids = [a.decode() for a in self.redis.hkeys(self.keys.user_alerts(user))]
        with self.redis.pipeline() as pipe:
            if refs:
                pipe.hdel(self.keys.client_refs(), *refs)
            for key in self.redis.scan_iter(match=self.keys.counselor_clients("*"), count=_SCAN):
                pipe.srem(key, user)
            if alert_ids:
                pipe.hdel(self.keys.alert_users(), *alert_ids)
                pipe.zrem(self.keys.alerts(), *alert_ids)
            pipe.execute()

    def shred_user(self, user: str) -> int:
        """Destroy the user's data key, then delete their data; returns keys deleted."""
        self.redis.delete(self.keys.data_key(user))
        self._data_keys = {k: v for k, v in self._data_keys.items() if k[0] != user}
        self._forget_counsel(user)
        prefix, who = glob_escape(self.keys.prefix), glob_escape(user)
        deleted = self._delete_pattern(f"{prefix}:user:{who}:*")
        deleted += self._delete_pattern(f"{prefix}:cursor:*:{who}")
        for key in self.redis.scan_iter(match=f"{prefix}:outbox:*:pending", count=_SCAN):
            self.redis.srem(key, user)
        for key in self.redis.scan_iter(match=f"{prefix}:outbox:*:wake", count=_SCAN):
            self.redis.lrem(key, 0, user)
        self.redis.srem(self.keys.users(), user)
        # the user's turns shard, and shard 0 (the stream's name before it was sharded)
        entries = sum(self._delete_stream_entries(self.keys.turns_stream(s), user)
                      for s in {self.keys.turn_shard(user), 0})
        logger.info("user %s shredded: key destroyed, %s keys and %s stream entries deleted",
                    user, deleted, entries)
        return deleted
