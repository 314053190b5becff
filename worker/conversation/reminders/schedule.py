"""What a reminder command says, and when a plan's next reminder falls.

Times are the user's wall-clock times in their IANA time zone (zoneinfo, from the tz
database), so a weekly reminder stays at 10:00 across daylight-saving changes. A slot
that falls in the user's quiet hours moves to the end of them.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from worker.store.reminders import ReminderPlan

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")
PAUSE = re.compile(r"^(\d{1,3})\s*(d|days?|w|weeks?)$")


@dataclass(frozen=True)
class Every:
    """`/remind daily 19:00` or `/remind weekly sunday 10:00`."""

    cadence: str
    weekday: int | None
    hour: int
    minute: int


def parse_clock(text: str) -> tuple[int, int] | None:
    """(hour, minute) of '10:00', '9', '7pm', '19h30', '7.30 pm'; None if it is not a time."""
    found = CLOCK.match(text.strip().lower())
    if not found:
        return None
    hour, minute, half = int(found.group(1)), int(found.group(2) or 0), found.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    return (hour, minute) if hour < 24 and minute < 60 else None


def parse_weekday(text: str) -> int | None:
    """0..6 for 'monday', 'Mon', 'sundays'; None otherwise."""
    word = text.strip().lower().rstrip("s") if len(text) > 4 else text.strip().lower()
    hits = [i for i, day in enumerate(WEEKDAYS) if len(word) >= 3 and day.startswith(word)]
    return hits[0] if len(hits) == 1 else None


def parse_every(args: str) -> Every | None:
    """The cadence and time of `/remind ...`; None when it does not parse."""
    words = args.lower().replace(" at ", " ").split()
    if not words:
        return None
    if words[0] == "daily" and len(words) >= 2:
        clock = parse_clock(" ".join(words[1:]))
        return Every("daily", None, *clock) if clock else None
    if words[0] == "weekly":
        words = words[1:]
    if len(words) >= 2:
        day = parse_weekday(words[0])
        clock = parse_clock(" ".join(words[1:]))
        if day is not None and clock is not None:
            return Every("weekly", day, *clock)
    return None


def parse_pause(args: str) -> timedelta | None:
    """'2 weeks', '10 days', '3w' as a duration; None when it does not parse."""
    found = PAUSE.match(args.strip().lower())
    if not found or int(found.group(1)) == 0:
        return None
    n = int(found.group(1))
    return timedelta(weeks=n) if found.group(2).startswith("w") else timedelta(days=n)


def parse_quiet(args: str) -> tuple[int, int] | None:
    """(from, to) minutes of day for '22:00-08:00'; None when it does not parse."""
    parts = re.split(r"\s*(?:-|–|to)\s*", args.strip().lower())
    if len(parts) != 2:
        return None
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start is None or end is None or start == end:
        return None
    return start[0] * 60 + start[1], end[0] * 60 + end[1]


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def find_zone(text: str) -> str | None:
    """The IANA name for 'Europe/Lisbon' (any case); None when there is no such zone."""
    wanted = text.strip().replace(" ", "_")
    by_lower = {name.lower(): name for name in _zone_names()}
    return by_lower.get(wanted.lower())


def zone_suggestions(text: str) -> list[str]:
    """Up to three real zone names close to what the user wrote."""
    wanted = text.strip().replace(" ", "_").lower()
    names = sorted(_zone_names())
    lowered = {n.lower(): n for n in names}
    hits = difflib.get_close_matches(wanted, list(lowered), n=3, cutoff=0.6)
    tail = [n for n in names if wanted and n.lower().rsplit("/", 1)[-1] == wanted]
    return list(dict.fromkeys([*tail, *(lowered[h] for h in hits)]))[:3]


def in_quiet(plan: ReminderPlan, local: datetime) -> bool:
    """True when a local time falls in the plan's quiet hours."""
    if plan.quiet_from is None or plan.quiet_to is None:
        return False
    minute = local.hour * 60 + local.minute
    if plan.quiet_from < plan.quiet_to:
        return plan.quiet_from <= minute < plan.quiet_to
    return minute >= plan.quiet_from or minute < plan.quiet_to


def quiet_end(plan: ReminderPlan, local: datetime) -> datetime:
    """The first moment after `local` (inside quiet hours) that is outside them, as UTC."""
    assert plan.quiet_to is not None and plan.quiet_from is not None
    end = datetime.combine(local.date(), time(plan.quiet_to // 60, plan.quiet_to % 60),
                           tzinfo=local.tzinfo)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), end.timetz())
    return end.astimezone(UTC)


def _slot(plan: ReminderPlan, day: date, zone: zoneinfo.ZoneInfo) -> datetime:
    # a wall time skipped by a daylight-saving change resolves to the instant just after it
    wall = datetime.combine(day, time(plan.hour, plan.minute), tzinfo=zone)
    return wall.astimezone(UTC)


def next_slot(plan: ReminderPlan, after: datetime) -> datetime | None:
    """The plan's first reminder strictly after `after` (UTC), out of quiet hours."""
    if not plan.active:
        return None
    assert plan.timezone is not None
    zone = zoneinfo.ZoneInfo(plan.timezone)
    start = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(16):
        day = start + timedelta(days=offset)
        if plan.cadence == "weekly" and day.weekday() != plan.weekday:
            continue
        at = _slot(plan, day, zone)
        local = at.astimezone(zone)
        if in_quiet(plan, local):
            at = quiet_end(plan, local)
        if at > after:
            return at
    return None


def describe(plan: ReminderPlan) -> str:
    """'every Sunday at 10:00' or 'every day at 19:30'."""
    day = WEEKDAYS[plan.weekday or 0].title()
    when = "every day" if plan.cadence == "daily" else f"every {day}"
    return f"{when} at {plan.hour:02d}:{plan.minute:02d}"


def local_text(at: datetime, zone: str) -> str:
    """'Sunday 14 December, 10:00' in the user's time zone."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local:%A} {local.day} {local:%B}, {local:%H:%M}"
