"""Reminders the user chose: eight simulated weeks, with restarts and outages, on a clock
the test controls, against the real Redis; and the commands' answers to bad input."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import redis

from worker.conversation.commands import CommandContext, dispatch
from worker.conversation.reminders.ticker import ReminderTicker
from worker.counsel.rights import forget_user
from worker.settings import Settings
from worker.store.records import SafetyState
from worker.store.store import Store

LISBON = zoneinfo.ZoneInfo("Europe/Lisbon")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
START = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # a Monday; Lisbon's clocks go forward 29 March
STEP = timedelta(minutes=10)
WEEKS8 = START + timedelta(weeks=8)
# every scheduler is down in these spans; the first hides a slot for under the 6 h grace
OUTAGES = [(datetime(2026, 3, 22, 9, 50, tzinfo=UTC), datetime(2026, 3, 22, 12, 0, tzinfo=UTC)),
           (datetime(2026, 4, 11, 0, 0, tzinfo=UTC), datetime(2026, 4, 13, 0, 0, tzinfo=UTC))]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _ctx(settings: Settings, redis_url: str, clock: Clock) -> CommandContext:
    conn = redis.Redis.from_url(redis_url)
    return CommandContext(settings=settings, store=Store.from_settings(settings, conn),
                          redis=conn, clock=clock)


def _say(ctx: CommandContext, user: str, line: str) -> str:
    name, _, args = line[1:].partition(" ")
    return dispatch(ctx, user, name, args).text


def _down(at: datetime) -> bool:
    return any(start <= at < end for start, end in OUTAGES)


def _expected(slots: list[datetime]) -> list[datetime]:
    """When each slot is sent: on time, at the end of a short outage, or never (a long one)."""
    out = []
    for slot in slots:
        end = next((e for s, e in OUTAGES if s <= slot < e), None)
        if end is None:
            out.append(slot)
        elif end - slot <= timedelta(hours=6):
            out.append(end)
    return out


def _collect(store: Store, sent: dict[str, list[datetime]]) -> None:
    """Read what reached each user's outbox, as an adapter would."""
    for user in sent:
        for entry_id, delivery in store.deliveries_after(user, "test"):
            assert delivery.kind == "reminder" and "question for your story" in delivery.text
            sent[user].append(delivery.created_at)
            store.mark_delivered(user, "test", entry_id)


def _local_slots(zone: zoneinfo.ZoneInfo, hour: int, weekday: int | None,
                 start: datetime, end: datetime) -> list[datetime]:
    day, out = start.astimezone(zone).date(), []
    while True:
        at = datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)
        if at >= end:
            return out
        if at > start and (weekday is None or day.weekday() == weekday):
            out.append(at)
        day += timedelta(days=1)


def test_eight_weeks_of_reminders_are_sent_exactly_once(settings: Settings, client: redis.Redis,
                                                         redis_url: str) -> None:
    clock = Clock(START)
    ctx = _ctx(settings, redis_url, clock)
    store = ctx.store
    users = {n: f"telegram:{n}" for n in ("ana", "ben", "cai", "dee", "eva", "fay")}
    for name in ("ana", "ben", "dee", "eva", "fay"):
        store.give_consent(users[name], "telegram")
    assert "time zone" in _say(ctx, users["ana"], "/remind weekly sunday 10:00")
    assert "Next: Sunday 15 March, 10:00" in _say(ctx, users["ana"], "/timezone europe/lisbon")
    for name in ("ben", "cai", "dee", "eva", "fay"):
        _say(ctx, users[name], "/timezone Asia/Tokyo")
        _say(ctx, users[name], "/remind daily 9:00")
    _say(ctx, users["ben"], "/quiet 08:00-12:00")  # 09:00 falls in it: moved to 12:00
    sent: dict[str, list[datetime]] = {u: [] for u in users.values()}
    tickers = [ReminderTicker(store, settings, clock) for _ in range(2)]
    restarts = 0
    while clock.now < WEEKS8:
        now = clock.now
        if now.hour == 3 and now.minute == 0:  # every scheduler restarts, every night
            ctx = _ctx(settings, redis_url, clock)
            tickers = [ReminderTicker(ctx.store, settings, clock) for _ in range(2)]
            restarts += 1
        if now == START + timedelta(days=10):
            _say(ctx, users["dee"], "/remind pause 2 weeks")
        if now == START + timedelta(days=20):
            forget_user(ctx.store, users["eva"], settings)
        if now == START + timedelta(days=14):
            ctx.store.save_safety(users["fay"], SafetyState(level="high", paused=True))
        if now == START + timedelta(days=21):
            ctx.store.save_safety(users["fay"], SafetyState())
        if not _down(now) and sum(ticker.tick(now) for ticker in tickers):
            _collect(ctx.store, sent)  # (two schedulers looked at the same moment)
        clock.now = now + STEP
    daily = _local_slots(TOKYO, 9, None, START, WEEKS8)
    assert restarts == 56
    assert sent[users["ana"]] == _expected(_local_slots(LISBON, 10, 6, START, WEEKS8))
    # 10:00 in Lisbon before and after the clocks changed; late after the short outage;
    # the Sunday inside the two-day outage skipped
    assert [t.astimezone(LISBON).hour for t in sent[users["ana"]]] == [10, 12, 10, 10, 10,
                                                                       10, 10]
    assert sent[users["ben"]] == _expected(_local_slots(TOKYO, 12, None, START, WEEKS8))
    assert sent[users["cai"]] == []  # never agreed to anything: nothing unasked
    pause = (START + timedelta(days=10), START + timedelta(days=24))
    assert sent[users["dee"]] == _expected([t for t in daily if not pause[0] <= t < pause[1]])
    assert sent[users["eva"]] == _expected([t for t in daily if t < START + timedelta(days=20)])
    crisis = (START + timedelta(days=14), START + timedelta(days=21))
    assert sent[users["fay"]] == _expected([t for t in daily if not crisis[0] <= t < crisis[1]])
    assert store.get_reminder(users["eva"]) is None and store.reminder_due(users["eva"]) is None
    questions = [d.text for _, d in store.deliveries_after(users["ana"], "")]
    assert len(questions) == 7 and len(set(questions)) == 7  # never the same question again


def test_reminder_commands_answer_bad_input_clearly(settings: Settings, client: redis.Redis,
                                                    redis_url: str) -> None:
    clock = Clock(START)
    ctx = _ctx(settings, redis_url, clock)
    user = "local:gil"
    assert "couldn't read" in _say(ctx, user, "/remind every blue moon")
    assert "couldn't read" in _say(ctx, user, "/remind weekly funday 10:00")
    assert "couldn't read" in _say(ctx, user, "/remind daily 25:61")
    answer = _say(ctx, user, "/timezone Europe/Lisbn")
    assert "don't know a time zone" in answer and "Europe/Lisbon" in answer
    assert "don't know a time zone" in _say(ctx, user, "/timezone Mars/Olympus_Mons")
    assert ctx.store.get_reminder(user) is None  # nothing half-set by bad input
    assert "no reminders" in _say(ctx, user, "/remind")
    assert "time zone" in _say(ctx, user, "/remind daily 7pm")
    assert ctx.store.reminder_due(user) is None  # not before the time zone is known
    assert "19:00" in _say(ctx, user, "/timezone America/New_York")
    assert "/quiet 22:00-08:00" in _say(ctx, user, "/quiet sometimes")
    assert "couldn't read" in _say(ctx, user, "/remind pause for a while")
    assert "paused until you send /remind resume" in _say(ctx, user, "/remind pause")
    assert ctx.store.reminder_due(user) is None
    assert "Next:" in _say(ctx, user, "/remind resume")
    assert "off" in _say(ctx, user, "/remind off") and ctx.store.reminder_due(user) is None
