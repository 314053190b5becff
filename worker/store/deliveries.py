"""Deliveries: a stream per user, read by the adapter of the user's platform.

A push also marks the user pending for their platform and wakes its adapter.
Each adapter keeps a cursor per user; it moves the cursor after sending.
"""

from __future__ import annotations

import redis

from worker.store.base import StoreBase, platform_of
from worker.store.records import Delivery

DELIVERY_WAKE_LEN = 100
Entry = tuple[str, Delivery]


class DeliveryStore(StoreBase):
    """Queues deliveries and lets adapters read and acknowledge them."""

    def _queue_delivery(self, pipe: redis.client.Pipeline, delivery: Delivery) -> None:
        platform = platform_of(delivery.user)
        data = self._dump(delivery.user, delivery)
        pipe.xadd(self.keys.deliveries(delivery.user), {"delivery": data})
        pipe.sadd(self.keys.pending_delivery_users(platform), delivery.user)
        pipe.lpush(self.keys.delivery_wakeup(platform), delivery.user)
        pipe.ltrim(self.keys.delivery_wakeup(platform), 0, DELIVERY_WAKE_LEN - 1)

    def push_delivery(self, delivery: Delivery) -> None:
        """Queue something for the user's adapter to send."""
        with self.redis.pipeline() as pipe:
            self._queue_delivery(pipe, delivery)
            pipe.execute()

    def take_pending_users(self, platform: str) -> list[str]:
        """Users with deliveries waiting; cleared first, so a later push re-adds them."""
        key = self.keys.pending_delivery_users(platform)
        with self.redis.pipeline() as pipe:
            pipe.smembers(key)
            pipe.delete(key)
            members, _ = pipe.execute()
        return sorted(m.decode() for m in members)

    def wait_for_deliveries(self, platform: str, timeout_s: float) -> None:
        """Block until some delivery is queued for this platform, or the timeout."""
        self.redis.blpop([self.keys.delivery_wakeup(platform)], timeout=timeout_s)

    def deliveries_after(self, user: str, platform: str, count: int = 100) -> list[Entry]:
        """Deliveries this platform's adapter has not yet sent to the user."""
        cursor = self.delivery_cursor(user, platform)
        start = "(" + cursor if cursor else "-"
        key = self.keys.deliveries(user)
        out: list[Entry] = []
        for entry_id, fields in self.redis.xrange(key, start, "+", count):
            eid = entry_id.decode()
            found = self._load(Delivery, fields.get(b"delivery"), key, user)
            if found is None:
                self.mark_delivered(user, platform, eid)
                continue
            out.append((eid, found))
        return out

    def read_deliveries(self, user: str, platform: str, block_ms: int) -> list[Entry]:
        """Wait up to block_ms for deliveries after this platform's cursor."""
        cursor = self.delivery_cursor(user, platform) or "0-0"
        reply = self.redis.xread({self.keys.deliveries(user): cursor}, count=100, block=block_ms)
        return self.deliveries_after(user, platform) if reply else []

    def mark_delivered(self, user: str, platform: str, entry_id: str) -> None:
        """Move the adapter's cursor past a sent delivery."""
        self.redis.set(self.keys.delivery_cursor(platform, user), entry_id)

    def delivery_cursor(self, user: str, platform: str) -> str | None:
        """The id of the last delivery sent to this user on this platform."""
        raw = self.redis.get(self.keys.delivery_cursor(platform, user))
        return raw.decode() if raw else None
