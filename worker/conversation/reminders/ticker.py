"""The reminder scheduler: looks at the shared schedule and handles each slot due.

Every state lives in Redis (worker.store.reminders), so any number of schedulers may run
and any of them may restart at any moment: a slot is sent exactly once, by whichever
scheduler claims it first. A reminder goes only to a user who opted in, agreed to keep
their story (on a chat platform), is not pausing reminders, and whose story is not in a
crisis pause; a slot found in quiet hours waits for their end, and one found later than
the grace period (every scheduler was down) is skipped for the next.
"""

from __future__ import annotations

import logging
import threading
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta

from worker.conversation.interview import ask_now
from worker.conversation.reminders.schedule import in_quiet, next_slot, quiet_end
from worker.settings import Settings
from worker.store.base import platform_of
from worker.store.records import Delivery, utcnow
from worker.store.reminders import ReminderPlan
from worker.store.store import Store

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# How many past questions a plan remembers, so a reminder never repeats a recent one.
ASKED_MEMORY = 8
# Platforms whose users must have agreed (/start) before anything is sent unasked.
CONSENTED_PLATFORMS = ("telegram", "discord")
# Looks again within one tick after skipping late slots (bounded, whatever the data).
PASSES = 4


def reminder_text(plan: ReminderPlan, question: str) -> str:
    """The message a reminder sends: one question, and how to stop."""
    when = "today's" if plan.cadence == "daily" else "this week's"
    return (f"Here is {when} question for your story:\n\n{question}\n\n"
            "(Answer whenever you like. /remind pause for a break, /remind off to stop.)")


class ReminderTicker:
    """Handles due reminder slots; `tick(now)` once, or `run(stop)` until stopped."""

    def __init__(self, store: Store, settings: Settings, clock: Clock = utcnow) -> None:
        self.store = store
        self.grace = timedelta(hours=settings.storyloom_reminder_grace_hours)
        self.every_s = settings.storyloom_reminder_tick_seconds
        self.clock = clock

    def blocked(self, user: str, plan: ReminderPlan, now: datetime) -> str | None:
        """Why no reminder may go to this user now (None: it may)."""
        if plan.paused and (plan.paused_until is None or plan.paused_until > now):
            return "paused"
        if platform_of(user) in CONSENTED_PLATFORMS and self.store.get_consent(user) is None:
            return "no consent"
        if self.store.get_safety(user).paused:
            return "crisis pause"
        return None

    def handle(self, user: str, slot: datetime, now: datetime) -> bool:
        """Handle one due slot; True when a reminder was sent."""
        plan = self.store.get_reminder(user)
        if plan is None or not plan.active:
            self.store.unschedule_reminder(user)  # forgotten, or turned off
            return False
        assert plan.timezone is not None
        late = now - slot > self.grace
        local = now.astimezone(zoneinfo.ZoneInfo(plan.timezone))
        if not late and in_quiet(plan, local):
            self.store.handle_reminder_slot(user, slot, plan, quiet_end(plan, local), None)
            return False
        if plan.paused and plan.paused_until is not None and plan.paused_until <= now:
            plan = plan.model_copy(update={"paused": False, "paused_until": None})
        # the slot after this one; after a late one, the first from now on (maybe now itself)
        after = next_slot(plan, max(now - timedelta(microseconds=1), slot))
        reason = "late" if late else self.blocked(user, plan, now)
        if reason is not None:
            logger.info("reminder for user %s skipped: %s", user, reason)
            self.store.handle_reminder_slot(user, slot, plan, after, None)
            return False
        question = ask_now(self.store, user, plan.asked)
        sent = plan.model_copy(update={"asked": (*plan.asked, question)[-ASKED_MEMORY:]})
        delivery = Delivery(user=user, kind="reminder", text=reminder_text(plan, question),
                            created_at=now)
        done = self.store.handle_reminder_slot(user, slot, sent, after, delivery)
        if done:
            logger.info("reminder sent to user %s", user)
        return done

    def tick(self, now: datetime | None = None) -> int:
        """Handle every slot due by now; returns how many reminders were sent."""
        now = now or self.clock()
        sent, done = 0, set[tuple[str, datetime]]()
        for _ in range(PASSES):  # a skipped late slot may leave the next one due right now
            due = [row for row in self.store.reminders_due_by(now) if row not in done]
            if not due:
                break
            for user, slot in due:
                done.add((user, slot))
                try:
                    sent += self.handle(user, slot, now)
                except Exception as exc:  # noqa: BLE001 - one user's reminder never stops the rest
                    logger.error("reminder for user %s failed: %s", user, type(exc).__name__)
        return sent

    def run(self, stop: threading.Event) -> None:
        """Look every few seconds until stopped."""
        logger.info("reminder scheduler on (every %ss)", self.every_s)
        while not stop.is_set():
            self.tick()
            stop.wait(self.every_s)
