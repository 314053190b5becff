"""Crypto-shredding: forget a user by destroying their data key, then their data.

The data key goes first: from that moment every sealed record of the user,
wherever a copy survives (a replica, a backup, a stream entry missed below),
no longer opens. Then the counselor-side indexes that name them go, and
erasure (worker.store.erasure) deletes the records and stream entries.
"""

from __future__ import annotations

import logging

import redis

from worker.store.counsel import CounselStore
from worker.store.erasure import ErasureStore
from worker.store.family import FamilyStore
from worker.store.pseudonyms import PseudonymStore

logger = logging.getLogger(__name__)

_SCAN = 500


class ShredStore(ErasureStore, CounselStore, PseudonymStore, FamilyStore):
    """Forgets one user: key first, then indexes, then every record."""

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

    def shred_user(self, user: str, rewrite_aof: bool = False) -> int:
        """Tombstone the user, destroy their data key, then erase their data; returns keys
        deleted. With rewrite_aof the key store's append-only file is rewritten after, so the
        destroyed key leaves its disk too."""
        self.tombstone_user(user)
        self.keystore.delete(self.keys.data_key(user))
        self._data_keys = {k: v for k, v in self._data_keys.items() if k[0] != user}
        if rewrite_aof and self.keystore is not self.redis:
            self._rewrite_keystore_aof()
        self._forget_counsel(user)
        self.forget_family_tokens(user)  # family links stop opening with the key gone
        deleted = self.erase_user(user)
        logger.info("user %s shredded: data key destroyed first", user)
        return deleted

    def _rewrite_keystore_aof(self) -> None:
        try:
            self.keystore.bgrewriteaof()
        except redis.ResponseError as exc:  # one already running, or not allowed (managed Redis)
            logger.info("key store AOF rewrite not started: %s", exc)
