"""Installments, and which story requests have been fulfilled.

The story is a list of installment ids in order. A retry or an edit replaces
the last one, an undo withdraws it; the records themselves stay (training data
and audit), only the list changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis

from worker.store.deliveries import DeliveryStore
from worker.store.records import (
    Delivery,
    Installment,
    PreferencePair,
    StoryFeedback,
    StoryRequest,
)


class StoryStore(DeliveryStore):
    """Reads and writes a user's installments."""

    def installments(self, user: str) -> list[Installment]:
        """The user's installments in story order."""
        ids = [i.decode() for i in self.redis.lrange(self.keys.installments(user), 0, -1)]
        found = [self.get_installment(user, i) for i in ids]
        return [i for i in found if i is not None]

    def last_installment(self, user: str) -> Installment | None:
        """The latest installment of the user's story, if any."""
        raw = self.redis.lindex(self.keys.installments(user), -1)
        return self.get_installment(user, raw.decode()) if raw else None

    def get_installment(self, user: str, installment_id: str) -> Installment | None:
        """One installment by id (also one that was withdrawn or replaced)."""
        key = self.keys.installment(user, installment_id)
        return self._load(Installment, self.redis.get(key), key, user)

    def installment_count(self, user: str) -> int:
        """How many installments the user's story has."""
        return int(self.redis.llen(self.keys.installments(user)))

    def save_story_request(self, request: StoryRequest, ttl_s: int) -> None:
        """Keep a story request sealed, so its job carries only ids (never /about's words)."""
        self.redis.set(self.keys.story_request(request.user, request.request_id),
                       self._dump(request.user, request), ex=max(ttl_s, 1))

    def get_story_request(self, user: str, request_id: str) -> StoryRequest | None:
        """A story request by id (None once its user was forgotten, or it expired)."""
        key = self.keys.story_request(user, request_id)
        return self._load(StoryRequest, self.redis.get(key), key, user)

    def drop_story_request(self, user: str, request_id: str) -> None:
        """Forget a request whose job is over."""
        self.redis.delete(self.keys.story_request(user, request_id))

    def request_done(self, request_id: str) -> str | None:
        """The installment id that fulfilled a request, if it was fulfilled."""
        raw = self.redis.get(self.keys.request_result(request_id))
        return raw.decode() if raw else None

    def save_installment(
        self, installment: Installment, delivery: Delivery | None, replace: str | None = None,
        records: Sequence[PreferencePair | StoryFeedback] = (),
    ) -> bool:
        """Store an installment and queue its delivery, once per request.

        With ``replace`` the new installment takes the place of that one when it
        is still the last of the story (a retry or an edit); otherwise it is
        appended; without a delivery nothing is sent (the user wrote it). A generate
        job retried after its worker died may finish twice; only the first finish is
        stored and delivered. Returns False for the second. ``records`` (the training
        pairs and feedback the installment gives) are written in the same transaction:
        once, and before the user can see the delivery and act on it.
        """
        keys, user = self.keys, installment.user
        done_key = keys.request_result(installment.request_id)
        story = keys.installments(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(done_key, story)
                    if pipe.exists(done_key):
                        pipe.unwatch()
                        return False
                    last = pipe.lindex(story, -1)
                    swap = replace is not None and last is not None and last.decode() == replace
                    root = self._version_root(pipe, user, replace) if swap else None
                    pipe.multi()
                    pipe.set(done_key, installment.installment_id)
                    pipe.set(keys.installment(user, installment.installment_id),
                             self._dump(user, installment))
                    if swap:
                        pipe.lset(story, -1, installment.installment_id)
                        self._note_version(pipe, user, root, replace, installment.installment_id)
                    else:
                        pipe.rpush(story, installment.installment_id)
                    for record in records:
                        key = (keys.preference_pairs(user) if isinstance(record, PreferencePair)
                               else keys.story_feedback(user))
                        pipe.rpush(key, self._dump(user, record))
                    if delivery is not None:
                        self._queue_delivery(pipe, delivery)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def _version_root(self, pipe: Any, user: str, installment_id: str | None
                      ) -> tuple[str, bool] | None:
        """(first version of the part, whether its list is empty), read while watching."""
        if installment_id is None:
            return None
        raw = pipe.hget(self.keys.version_roots(user), installment_id)
        root = raw.decode() if raw else installment_id
        return root, not pipe.exists(self.keys.part_versions(user, root))

    def _note_version(self, pipe: Any, user: str, root: tuple[str, bool] | None,
                      replaced: str | None, new: str) -> None:
        """Record (inside a transaction) that `new` is another version of `replaced`'s part."""
        if root is None or replaced is None:
            return
        first, fresh = root
        versions = self.keys.part_versions(user, first)
        if fresh:  # the part's first new version: its original opens the list
            pipe.hset(self.keys.version_roots(user), replaced, first)
            pipe.rpush(versions, replaced)
        pipe.hset(self.keys.version_roots(user), new, first)
        pipe.rpush(versions, new)

    def withdraw_last(self, user: str, installment_id: str) -> bool:
        """Take the last installment out of the story if it is still this one."""
        story = self.keys.installments(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(story)
                    last = pipe.lindex(story, -1)
                    if last is None or last.decode() != installment_id:
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    pipe.rpop(story)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue
