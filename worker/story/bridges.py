"""The engine's own few words: time between moments, and the tone's last line.

A transition is said only when the dates say it: two moments dated a year apart get "A
year later,", two summers "Two summers later,"; an undated moment gets none (nothing told
says when it came). The closing line carries the tone the user asked for and names only
someone or somewhere the installment already told; it states a feeling, never an event.
Both are bridges: a delivered sentence with no source turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlu.schema import TimeValue
from worker.store.records import Pov

_NUMBERS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen", "twenty"]
_SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
            6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}


_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_word(n: int) -> str:
    """0 < n < 100 in words ('fifty-three'); larger numbers in digits."""
    if n < len(_NUMBERS):
        return _NUMBERS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_NUMBERS[ones]}" if ones else "")
    return str(n)


def _count(n: int, unit: str) -> str:
    return f"{number_word(n)} {unit}{'s' if n != 1 else ''}"


# A time told with its year, or counted from the day it was said ("last spring").
_YEAR_TOLD = re.compile(r"\b(1[6-9]|20)\d\d\b|'\d\d\b|\b(last|ago|this|yesterday|today|previous|"
                        r"next|recently|earlier|later)\b", re.I)


def _year_of(tv: TimeValue, birth_year: int | None) -> int | None:
    if tv.start is not None and tv.precision in ("day", "week", "month", "season", "year"):
        # "in February" with no year was placed by a guess (the nearest February to when
        # it was said): no "Four years later" rests on it
        return tv.start.year if _YEAR_TOLD.search(tv.text or "") else None
    if tv.age is not None and tv.age == (tv.age_end or tv.age) and birth_year is not None:
        return birth_year + tv.age
    return None


def _age_gap(a: TimeValue, b: TimeValue) -> int | None:
    if a.age is not None and b.age is not None and a.start is None and b.start is None:
        return b.age - a.age
    return None


def transition(before: TimeValue | None, after: TimeValue | None,
               birth_year: int | None = None) -> str | None:
    """How long after one moment the next came, when both are dated: 'Two years later'."""
    if before is None or after is None:
        return None
    gap = _age_gap(before, after)
    if gap is None:
        y0, y1 = _year_of(before, birth_year), _year_of(after, birth_year)
        if y0 is None or y1 is None:
            return None
        gap = y1 - y0
        if before.precision == after.precision == "season" and before.start and after.start:
            season = _SEASONS[after.start.month]
            if _SEASONS[before.start.month] == season and gap > 0:
                return f"{_count(gap, season)} later".capitalize()
    if gap == 0:
        return "That same year"
    if gap == 1:
        return "A year later"
    if gap > 1:
        return f"{_count(gap, 'year')} later".capitalize()
    return f"{_count(-gap, 'year')} earlier".capitalize() if gap < -1 else "A year earlier"


def when_of(values: Sequence[TimeValue | None]) -> TimeValue | None:
    """A moment's time: its first dated or aged event's."""
    for tv in values:
        if tv is not None and (tv.start is not None or tv.age is not None):
            return tv
    return None


# Closing lines by tone, in the second person; {with_who} and {where} fill from what the
# installment told, or fall away. They state a feeling about the telling, never an event.
CLOSERS: dict[str, tuple[str, ...]] = {
    "joy": ("Those were happy days{with_who}.", "There was so much joy in those days.",
            "What a happy time that was{where}."),
    "sadness": ("It was a sad time.", "Those were hard, sad days{where}.",
                "There was a deep sadness in those days."),
    "nostalgia": ("Those days{with_who} are long gone, but the love in them stays.",
                  "Looking back, it was a sweet and tender time{where}.",
                  "It is a memory to hold dear."),
    "hope": ("Even then, there was hope.", "It was a hopeful time{where}.",
             "Through all of it, hope stayed with {you}."),
    "humour": ("Looking back, it is a funny story.", "It makes for a good laugh now.",
               "{You} can laugh about it now."),
    "calm": ("Those were calm, quiet days{where}.", "It was a peaceful time{with_who}.",
             "Life moved gently then."),
}
# Every word a bridge may use: the checks accept them in delivered text.
_TIME_WORDS = """later earlier year years same that summer summers winter winters spring
springs autumn autumns one two three four five six seven eight nine ten eleven twelve
thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty
sixty seventy eighty ninety"""
BRIDGE_WORDS = frozenset(
    w.strip(".,{}").lower()
    for lines in CLOSERS.values() for line in lines for w in line.split()
    if not w.startswith("{")) | frozenset(_TIME_WORDS.split())


def closer(tone: str, variant: int, pov: Pov, name: str | None, who: str | None,
           where: str | None) -> str | None:
    """The tone's closing line (variant picks among a few), or None for a tone without one."""
    lines = CLOSERS.get(tone)
    if not lines:
        return None
    line = lines[variant % len(lines)]
    you = {"first": "I", "second": "you", "third": name or "they"}[pov]
    filled = line.format(with_who=f" with {who}" if who else "", where=f" in {where}"
                         if where else "", you=you, You=you[:1].upper() + you[1:])
    return filled[:1].upper() + filled[1:]

