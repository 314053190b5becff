"""Reminders the user chose: their plan (sealed), and the schedule every scheduler shares.

The schedule is one sorted set, user -> when their next reminder is due. Handling a slot
(sending its question, or skipping it) moves the user's score to the next slot, records
the slot as handled and queues the delivery in one transaction that fails if another
scheduler handled the slot first: a slot is handled exactly once, whichever process and
however many restarts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import redis
from pydantic import Field

from worker.store.deliveries import DeliveryStore
from worker.store.records import Delivery, Record, utcnow

Cadence = Literal["daily", "weekly"]


class ReminderPlan(Record):
    """When a user wants a question: cadence, local time, time zone, quiet hours, pause."""

    cadence: Cadence | None = None
    weekday: int | None = Field(default=None, ge=0, le=6, description="0 = Monday")
    hour: int = Field(default=10, ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)
    timezone: str | None = None
    quiet_from: int | None = Field(default=None, ge=0, lt=1440, description="minute of day")
    quiet_to: int | None = Field(default=None, ge=0, lt=1440)
    paused: bool = False
    paused_until: datetime | None = None
    asked: tuple[str, ...] = Field(default=(), description="the last questions sent")
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def active(self) -> bool:
        """Opted in, with a time zone to send in."""
        return self.cadence is not None and self.timezone is not None


def to_ts(at: datetime) -> float:
    """Unix seconds of an aware datetime."""
    return at.timestamp()


def from_ts(ts: float) -> datetime:
    """An aware UTC datetime from unix seconds."""
    return datetime.fromtimestamp(ts, UTC)


class ReminderStore(DeliveryStore):
    """Reads and writes reminder plans and the shared schedule."""

    def get_reminder(self, user: str) -> ReminderPlan | None:
        """The user's reminder plan, or None when they never set one (or were forgotten)."""
        key = self.keys.reminder(user)
        return self._load(ReminderPlan, self.redis.get(key), key, user)

    def save_reminder(self, user: str, plan: ReminderPlan, due: datetime | None) -> None:
        """Store the plan and put its next slot on the schedule (None: off the schedule)."""
        with self.redis.pipeline() as pipe:
            pipe.set(self.keys.reminder(user), self._dump(user, plan))
            if due is None:
                pipe.zrem(self.keys.reminders_due(), user)
            else:
                pipe.zadd(self.keys.reminders_due(), {user: to_ts(due)})
            pipe.execute()

    def reminder_due(self, user: str) -> datetime | None:
        """When the user's next reminder is due, if one is scheduled."""
        score = self.redis.zscore(self.keys.reminders_due(), user)
        return None if score is None else from_ts(float(score))

    def reminders_due_by(self, now: datetime, count: int = 500) -> list[tuple[str, datetime]]:
        """(user, due) for every slot due at or before now, earliest first."""
        rows = self.redis.zrangebyscore(self.keys.reminders_due(), "-inf", to_ts(now),
                                        start=0, num=count, withscores=True)
        return [(u.decode(), from_ts(float(s))) for u, s in rows]

    def unschedule_reminder(self, user: str) -> None:
        """Take the user off the schedule (their plan is gone or off)."""
        self.redis.zrem(self.keys.reminders_due(), user)

    def handle_reminder_slot(self, user: str, slot: datetime, plan: ReminderPlan,
                             after: datetime | None, delivery: Delivery | None) -> bool:
        """Handle one slot exactly once: schedule `after`, keep `plan`, send `delivery`.

        False when the slot was already handled, or the plan or schedule changed meanwhile
        (the caller reads again on its next look).
        """
        fired, due, plan_key = (self.keys.reminder_fired(user), self.keys.reminders_due(),
                                self.keys.reminder(user))
        sealed = self._dump(user, plan)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(fired, plan_key)
                last = pipe.get(fired)
                score = pipe.zscore(due, user)
                if (last is not None and float(last) >= to_ts(slot)) or score is None \
                        or float(score) != to_ts(slot):
                    pipe.unwatch()
                    return False
                pipe.multi()
                pipe.set(fired, repr(to_ts(slot)))
                pipe.set(plan_key, sealed)
                if after is None:
                    pipe.zrem(due, user)
                else:
                    pipe.zadd(due, {user: to_ts(after)})
                if delivery is not None:
                    self._queue_delivery(pipe, delivery)
                pipe.execute()
                return True
            except redis.WatchError:
                return False
