"""Installments, and which story requests have been fulfilled."""

from __future__ import annotations

import redis

from worker.records import Delivery, Installment
from worker.store.deliveries import DeliveryStore


class StoryStore(DeliveryStore):
    """Reads and writes a user's installments."""

    def installments(self, user: str) -> list[Installment]:
        """The user's installments in story order."""
        ids = [i.decode() for i in self.redis.lrange(self.keys.installments(user), 0, -1)]
        found = [self.get_installment(user, i) for i in ids]
        return [i for i in found if i is not None]

    def get_installment(self, user: str, installment_id: str) -> Installment | None:
        """One installment by id."""
        key = self.keys.installment(user, installment_id)
        return self._load(Installment, self.redis.get(key), key, user)

    def installment_count(self, user: str) -> int:
        """How many installments the user's story has."""
        return int(self.redis.llen(self.keys.installments(user)))

    def request_done(self, request_id: str) -> str | None:
        """The installment id that fulfilled a request, if it was fulfilled."""
        raw = self.redis.get(self.keys.request_result(request_id))
        return raw.decode() if raw else None

    def save_installment(self, installment: Installment, delivery: Delivery) -> bool:
        """Store an installment and queue its delivery, once per request.

        A generate job retried after its worker died may finish twice; only the
        first finish is stored and delivered. Returns False for the second.
        """
        keys, user = self.keys, installment.user
        done_key = keys.request_result(installment.request_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(done_key)
                    if pipe.exists(done_key):
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    pipe.set(done_key, installment.installment_id)
                    pipe.set(keys.installment(user, installment.installment_id),
                             self._dump(user, installment))
                    pipe.rpush(keys.installments(user), installment.installment_id)
                    self._queue_delivery(pipe, delivery)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue
