"""Calendar arithmetic and word tables behind time-expression normalisation."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            (),
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
WEEKDAYS = {
    d: i
    for i, d in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
# Meteorological seasons, northern hemisphere (the user base's default); winter starts in
# December of its labelled year and runs into February of the next.
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"
]
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_FUZZY = {"a": 1, "an": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3,
          "few": 3, "several": 3}
# Regex alternative for a small cardinal, in words or digits.
NUMBER_RE = (
    r"(?:\d{1,3}|a couple of|a few|several|an?|"
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four"
    r"|five|six|seven|eight|nine))?|" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
)
DECADE_WORDS = {
    "teens": 10, "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50,
    "sixties": 60, "seventies": 70, "eighties": 80, "nineties": 90, "noughties": 0,
}
# (first, last) age in years for life-stage words; rough, documented guesses.
STAGE_AGES = {
    "baby": (0, 1), "toddler": (1, 3), "little": (3, 10), "small": (3, 10),
    "kid": (3, 12), "child": (3, 12), "little girl": (3, 10), "little boy": (3, 10),
    "little kid": (3, 10), "boy": (5, 14), "girl": (5, 14), "young": (5, 25),
    "teenager": (13, 19), "teen": (13, 19), "student": (12, 24), "young man": (18, 30),
    "young woman": (18, 30), "kindergarten": (4, 6), "primary school": (5, 11),
    "elementary school": (5, 11), "grade school": (5, 11), "middle school": (11, 14),
    "high school": (14, 18), "secondary school": (12, 18), "college": (18, 22),
    "university": (18, 22), "uni": (18, 22), "growing up": (3, 17),
}


def parse_number(word: str) -> int | None:
    """Parse a small cardinal written in digits or words ('seven', 'twenty-five', 'a few')."""
    w = " ".join(word.lower().replace("-", " ").split())
    if w.isdigit():
        return int(w)
    if w in _FUZZY:
        return _FUZZY[w]
    if w in _UNITS:
        return _UNITS.index(w)
    parts = w.split()
    if parts and parts[0] in _TENS:
        rest = _UNITS.index(parts[1]) if len(parts) == 2 and parts[1] in _UNITS else 0
        return _TENS[parts[0]] + rest if len(parts) <= 2 else None
    return None


def month_end(year: int, month: int) -> date:
    """Last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    """(year, month) shifted by delta months."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def season_range(name: str, year: int) -> tuple[date, date]:
    """Inclusive date range of the season labelled with year (winter: Dec year .. Feb year+1)."""
    first = SEASONS[name]
    end_year, end_month = add_months(year, first, 2)
    return date(year, first, 1), month_end(end_year, end_month)


def easter(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - b // 4 - g + 15) % 30
    weekday_shift = (32 + 2 * (b % 4) + 2 * (c // 4) - h - c % 4) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    n = h + weekday_shift - 7 * m + 114
    return date(year, n // 31, n % 31 + 1)


def _thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


_FIXED = {
    "christmas": (12, 25), "xmas": (12, 25), "christmas day": (12, 25),
    "christmas eve": (12, 24), "new year's eve": (12, 31), "new years eve": (12, 31),
    "new year's day": (1, 1), "new years day": (1, 1), "halloween": (10, 31),
    "valentine's day": (2, 14), "valentines day": (2, 14),
}
HOLIDAYS = (*_FIXED, "easter", "thanksgiving")


def holiday(name: str, year: int) -> date:
    """Date of a named holiday in a year."""
    key = name.lower().replace("’", "'")
    if key == "easter":
        return easter(year)
    if key == "thanksgiving":
        return _thanksgiving(year)
    month, day = _FIXED[key]
    return date(year, month, day)


def week_range(day: date) -> tuple[date, date]:
    """Monday..Sunday of the ISO week holding day."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
