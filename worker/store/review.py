"""Review before delivery: a client's installments wait for their counselor.

While a user's review hold is on (a guided session with review), every
installment delivery queued for them is held instead: the installment is
stored as usual, the user is told it is with their counselor, and the
delivery waits in the review queue until it is approved, edited or rejected.
The hold sits in :meth:`ReviewStore._queue_delivery`, the one path every
delivery takes, so no caller (the generate job, a retry) can bypass it.
"""

from __future__ import annotations

import logging
from typing import Literal

import redis

from worker.counsel.records import HeldInstallment
from worker.store.records import Delivery, utcnow
from worker.store.story import StoryStore

logger = logging.getLogger(__name__)

HELD_NOTICE = ("Your counselor reads this part of your story before you do; it will arrive "
               "here when they have.")
REJECTED_NOTICE = "Your counselor held back the last part of your story; send /story for a new one."
NOTE = "A note from your counselor: {note}"
Decision = Literal["approve", "edit", "reject"]


class ReviewStore(StoryStore):
    """Holds installment deliveries for review and releases them on a decision."""

    def review_hold(self, user: str) -> bool:
        """True while the user's installments wait for review."""
        return bool(self.redis.exists(self.keys.review_hold(user)))

    def set_review_hold(self, user: str, on: bool) -> None:
        """Start or stop holding the user's installments for review."""
        if on:
            self.redis.set(self.keys.review_hold(user), "1")
        else:
            self.redis.delete(self.keys.review_hold(user))

    def _queue_delivery(self, pipe: redis.client.Pipeline, delivery: Delivery) -> None:
        # Read outside the transaction on purpose: a hold switched on while this
        # installment was being saved orders the two either way, both correct.
        if (delivery.kind != "installment" or delivery.installment_id is None
                or not self.review_hold(delivery.user)):
            super()._queue_delivery(pipe, delivery)
            return
        user = delivery.user
        held = HeldInstallment(installment_id=delivery.installment_id, user=user,
                               delivery=delivery)
        pipe.hset(self.keys.held_installments(user),
                  mapping={held.installment_id: self._dump(user, held)})
        super()._queue_delivery(pipe, Delivery(user=user, kind="notice", text=HELD_NOTICE,
                                               in_reply_to=delivery.in_reply_to))
        logger.info("user %s: installment %s held for review", user, held.installment_id)

    def held(self, user: str) -> list[HeldInstallment]:
        """The user's held installments, oldest first (every status)."""
        key = self.keys.held_installments(user)
        found = (self._load(HeldInstallment, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((h for h in found if h is not None), key=lambda h: h.held_at)

    def get_held(self, user: str, installment_id: str) -> HeldInstallment | None:
        """One held installment."""
        key = self.keys.held_installments(user)
        return self._load(HeldInstallment, self.redis.hget(key, installment_id), key, user)

    def decide_held(
        self, user: str, installment_id: str, actor: str, decision: Decision,
        text: str | None = None, note: str | None = None,
    ) -> HeldInstallment | None:
        """Approve, edit or reject a pending item once; None when it is not pending."""
        key = self.keys.held_installments(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    item = self.get_held(user, installment_id)
                    if item is None or item.status != "pending":
                        pipe.unwatch()
                        return None
                    decided = self._decided(item, actor, decision, text, note)
                    pipe.multi()
                    pipe.hset(key, mapping={installment_id: self._dump(user, decided)})
                    self._apply_decision(pipe, decided)
                    pipe.execute()
                    return decided
                except redis.WatchError:
                    continue

    def _decided(self, item: HeldInstallment, actor: str, decision: Decision,
                 text: str | None, note: str | None) -> HeldInstallment:
        update: dict[str, object] = {"decided_by": actor, "decided_at": utcnow(),
                                     "note": (note or "").strip() or None}
        if decision == "edit":
            new_text = (text or "").strip()
            if not new_text:
                raise ValueError("an edit needs the new text")
            update |= {"status": "edited", "original_text": item.delivery.text,
                       "delivery": item.delivery.model_copy(update={"text": new_text})}
        else:
            update["status"] = "approved" if decision == "approve" else "rejected"
        return item.model_copy(update=update)

    def _apply_decision(self, pipe: redis.client.Pipeline, item: HeldInstallment) -> None:
        user, deliver = item.user, super()._queue_delivery
        if item.status == "rejected":
            pipe.lrem(self.keys.installments(user), 0, item.installment_id)
            deliver(pipe, Delivery(user=user, kind="notice", text=REJECTED_NOTICE,
                                   in_reply_to=item.delivery.in_reply_to))
        else:
            if item.status == "edited":
                self._rewrite_installment(pipe, item)
            deliver(pipe, item.delivery)
        if item.note:
            deliver(pipe, Delivery(user=user, kind="notice", text=NOTE.format(note=item.note)))

    def _rewrite_installment(self, pipe: redis.client.Pipeline, item: HeldInstallment) -> None:
        stored = self.get_installment(item.user, item.installment_id)
        if stored is not None:
            edited = stored.model_copy(update={"text": item.delivery.text})
            pipe.set(self.keys.installment(item.user, item.installment_id),
                     self._dump(item.user, edited))

    def release_pending(self, user: str) -> int:
        """Deliver every pending item undecided (the review ended); returns how many."""
        released = 0
        for item in self.held(user):
            if item.status == "pending" and self.decide_held(
                    user, item.installment_id, "released", "approve") is not None:
                released += 1
        return released
