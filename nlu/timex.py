"""Time expressions: find them in text and normalise them against the message date.

Every relative expression is read from the message date ``ref``:

- "yesterday", "two days ago": a day; "last week": the Monday..Sunday before ref's week.
- "last summer": the most recent summer that had *ended* before ref. Said on 2026-11-28
  it is summer 2026 (June..August 2026), because that summer is over; said on 2026-07-10
  it is summer 2025. Seasons are meteorological, northern hemisphere; winter 2026 is
  December 2026..February 2027. "this summer" is ref's own year's summer, "next summer"
  the first one starting after ref, a bare "in the summer" the latest one already begun.
- "last March": the latest March before ref's month; bare "in March": the latest March
  not after ref's month. "last Christmas": the latest Christmas before ref.
- "two years ago": the whole calendar year ref.year - 2 (precision year).
- "the 80s"/"the eighties": the latest such decade that began by ref's year (1980s).
- Ages ("when I was seven", "as a kid", "in my twenties") have precision "age" and carry
  age..age_end. With the user's birth year they also get dates: age 7 with birth year 1990
  is 1997-01-01..1998-12-31 (the birthday is unknown, so both possible years).

Without ref, relative expressions keep their precision but get no dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from nlu import dates as d
from nlu.schema import TimeValue

_MONTH = (
    r"(?P<month>january|february|march|april|may|june|july|august|september|october"
    r"|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_MONTH_FULL = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
)
_SEASON = r"spring|summer|autumn|fall|winter"
_HOL = "|".join(re.escape(h).replace("'", "['’]?") for h in sorted(d.HOLIDAYS, key=len)[::-1])
_WEEKDAY = "|".join(d.WEEKDAYS)
_CARD = d.NUMBER_RE.replace("a couple of|a few|several|an?|", "")
_STAGE = "|".join(sorted(d.STAGE_AGES, key=len, reverse=True))
_SCHOOL = "|".join(s for s in d.STAGE_AGES if s.endswith(("school", "college", "university"))
                   or s in ("uni", "kindergarten"))
_DECADE_WORD = "|".join(d.DECADE_WORDS)
_PART = r"(?:(?P<part>early|mid|late)[\s-]+)?"

Handler = Callable[[re.Match[str], date | None, int | None], TimeValue | None]


def _tv(m: re.Match[str], start: date | None, end: date | None, precision: str,
        **age: int | None) -> TimeValue:
    return TimeValue(text=m.group("t"), start=start, end=end, precision=precision, **age)


def _month_of(m: re.Match[str]) -> int | None:
    """Month number, refusing a lone lowercase 'may' (the modal verb)."""
    groups = m.groupdict()
    word = groups.get("month") or groups.get("what") or ""
    return None if word == "may" else d.MONTHS.get(word.lower())


def _safe_date(y: int, mo: int, day: int) -> date | None:
    try:
        return date(y, mo, day)
    except ValueError:
        return None


def _day(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue | None:
    month = d.MONTHS[m.group("month").lower()] if "month" in m.re.groupindex else int(m["m"])
    year = int(m["y"]) if "y" in m.re.groupindex else None
    if year is None:
        if ref is None:
            return _tv(m, None, None, "day")
        year = ref.year if (month, int(m["d"])) <= (ref.month, ref.day) else ref.year - 1
    day = _safe_date(year, month, int(m["d"]))
    return _tv(m, day, day, "day") if day else None


def _month_year(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue:
    year, month = int(m["y"]), d.MONTHS[m["month"].lower()]
    return _tv(m, date(year, month, 1), d.month_end(year, month), "month")


def _season_year(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue:
    start, end = d.season_range(m["season"].lower(), int(m["y"]))
    return _tv(m, start, end, "season")


def _holiday_year(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue:
    day = d.holiday(m["hol"], int(m["y"]))
    return _tv(m, day, day, "day")


def _pick_season(name: str, rel: str, ref: date) -> tuple[date, date]:
    candidates = [d.season_range(name, y) for y in range(ref.year - 2, ref.year + 2)]
    if rel == "last":
        return [c for c in candidates if c[1] < ref][-1]
    if rel == "next":
        return [c for c in candidates if c[0] > ref][0]
    if rel == "this":
        holding = [c for c in candidates if c[0] <= ref <= c[1]]
        label = ref.year - 1 if name == "winter" and ref.month <= 2 else ref.year
        return holding[0] if holding else d.season_range(name, label)
    return [c for c in candidates if c[0] <= ref][-1]


def _pick_month(month: int, rel: str, ref: date) -> tuple[date, date]:
    if rel == "last":
        year = ref.year if month < ref.month else ref.year - 1
    elif rel == "next":
        year = ref.year if month > ref.month else ref.year + 1
    elif rel == "this":
        year = ref.year
    else:
        year = ref.year if month <= ref.month else ref.year - 1
    return date(year, month, 1), d.month_end(year, month)


def _pick_day(what: str, rel: str, ref: date) -> date:
    if what in d.WEEKDAYS:
        back = (ref.weekday() - d.WEEKDAYS[what]) % 7
        if rel == "next":
            return ref + timedelta(days=(7 - back) % 7 or 7)
        return ref - timedelta(days=back or (7 if rel == "last" else 0))
    years = (ref.year - 1, ref.year, ref.year + 1)
    days = [d.holiday(what, y) for y in years]
    if rel == "next":
        return next(x for x in days if x > ref)
    if rel == "this":
        return days[1]
    return [x for x in days if (x < ref if rel == "last" else x <= ref)][-1]


def _unit(what: str, rel: str, ref: date) -> tuple[date, date, str]:
    step = {"last": -1, "past": -1, "next": 1}.get(rel, 0)
    if what in ("week", "weekend"):
        monday, sunday = d.week_range(ref + timedelta(weeks=step))
        start = monday + timedelta(days=5) if what == "weekend" else monday
        return start, sunday, "week"
    if what == "month":
        y, mo = d.add_months(ref.year, ref.month, step)
        return date(y, mo, 1), d.month_end(y, mo), "month"
    if what == "decade":
        first = (ref.year // 10 + step) * 10
        return date(first, 1, 1), date(first + 9, 12, 31), "decade"
    return date(ref.year + step, 1, 1), date(ref.year + step, 12, 31), "year"


def _relative(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue | None:
    """'last summer', 'this March', 'next Christmas', 'last week', bare 'in the summer'."""
    what = m["what"].lower().replace("’", "'")
    rel = " ".join(m["rel"].lower().split()) if m["rel"] else ""
    rel = {"this past": "last", "this coming": "next"}.get(rel, rel)
    if what in d.MONTHS and _month_of(m) is None:
        return None
    if what in d.SEASONS:
        precision = "season"
    elif what in d.MONTHS:
        precision = "month"
    elif what in d.WEEKDAYS or what in d.HOLIDAYS or what.replace("'", "") in d.HOLIDAYS:
        precision = "day"
    else:
        precision = {"week": "week", "weekend": "week", "month": "month",
                     "decade": "decade"}.get(what, "year")
    if ref is None:
        return _tv(m, None, None, precision)
    if what in d.SEASONS:
        start, end = _pick_season(what, rel, ref)
    elif what in d.MONTHS:
        start, end = _pick_month(d.MONTHS[what], rel, ref)
    elif precision == "day":
        start = end = _pick_day(what, rel, ref)
    else:
        start, end, precision = _unit(what, rel or "this", ref)
    return _tv(m, start, end, precision)


def _dayword(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue:
    word = " ".join(m["t"].lower().split())
    offset = {"yesterday": -1, "last night": -1, "tomorrow": 1, "the day before yesterday": -2,
              "the day after tomorrow": 2}.get(word, 0)
    day = ref + timedelta(days=offset) if ref else None
    return _tv(m, day, day, "day")


def _ago(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue | None:
    n, unit = d.parse_number(m["n"]), m["unit"].lower()
    if n is None:
        return None
    precision = {"day": "day", "week": "week", "month": "month"}.get(unit, unit)
    if ref is None:
        return _tv(m, None, None, precision)
    if unit == "day":
        start = end = ref - timedelta(days=n)
    elif unit == "week":
        start, end = d.week_range(ref - timedelta(weeks=n))
    elif unit == "month":
        y, mo = d.add_months(ref.year, ref.month, -n)
        start, end = date(y, mo, 1), d.month_end(y, mo)
    elif unit == "year":
        start, end = date(ref.year - n, 1, 1), date(ref.year - n, 12, 31)
    else:
        first = (ref.year - 10 * n) // 10 * 10
        start, end = date(first, 1, 1), date(first + 9, 12, 31)
    return _tv(m, start, end, precision)


def _part_range(first: int, part: str | None, span: int = 10) -> tuple[int, int]:
    """Narrow a decade (or an age decade) to its early/mid/late part."""
    if part == "early":
        return first, first + 3
    if part == "mid":
        return first + 3, first + 6
    if part == "late":
        return first + 6, first + span - 1
    return first, first + span - 1


def _decade(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue | None:
    raw = m["dec"] if "dec" in m.re.groupindex else None
    tens = int(raw) % 100 if raw else d.DECADE_WORDS[m["word"].lower()]
    if m["word"] and m["word"].lower() == "teens":
        return None
    if raw and len(raw) == 4:
        first = int(raw)
    else:
        now = ref.year if ref else 2000
        first = max(c * 100 + tens for c in (18, 19, 20) if c * 100 + tens <= now)
    lo, hi = _part_range(first, m["part"] and m["part"].lower())
    return _tv(m, date(lo, 1, 1), date(hi, 12, 31), "decade")


def _year(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue:
    year = int(m["y"])
    end = ref if m["prep"].lower() == "since" and ref and ref.year >= year else None
    return _tv(m, date(year, 1, 1), end or date(year, 12, 31), "year")


def _age_value(m: re.Match[str], lo: int, hi: int, by: int | None) -> TimeValue:
    if by is None:
        return _tv(m, None, None, "age", age=lo, age_end=hi)
    return _tv(m, date(by + lo, 1, 1), date(by + hi + 1, 12, 31), "age", age=lo, age_end=hi)


def _age_num(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue | None:
    n = d.parse_number(m["n"])
    return _age_value(m, n, n, by) if n is not None and n < 120 else None


def _age_stage(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue:
    lo, hi = d.STAGE_AGES[" ".join(m["stage"].lower().split())]
    return _age_value(m, lo, hi, by)


def _age_decade(m: re.Match[str], ref: date | None, by: int | None) -> TimeValue:
    word = m["word"].lower()
    first = d.DECADE_WORDS.get(word) or int(word[:-1])
    if first == 10:
        part = m["part"] and m["part"].lower()
        lo, hi = {"early": (13, 15), "mid": (15, 17), "late": (17, 19)}.get(part or "", (13, 19))
    else:
        lo, hi = _part_range(first, m["part"] and m["part"].lower())
    return _age_value(m, lo, hi, by)


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_REL_WHAT = rf"(?P<what>{_SEASON}|{_MONTH_FULL}|{_HOL}|{_WEEKDAY}|week|weekend|month|year|decade)"
PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (_c(r"\b(?P<t>(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2}))\b"), _day),
    (_c(rf"\b(?P<t>(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<y>\d{{4}}))\b"),
     _day),
    (_c(rf"\b(?P<t>{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}))\b"), _day),
    (_c(rf"\b(?P<t>(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH})\b"), _day),
    (_c(rf"\b(?P<t>{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?)\b"), _day),
    (_c(rf"\b(?P<t>{_MONTH}\s+(?:of\s+)?(?P<y>\d{{4}}))\b"), _month_year),
    (_c(rf"\b(?P<t>(?:the\s+)?(?P<season>{_SEASON})\s+(?:of\s+)?(?P<y>\d{{4}}))\b"), _season_year),
    (_c(rf"\b(?P<t>(?P<hol>{_HOL})\s+(?:of\s+)?(?P<y>\d{{4}}))\b"), _holiday_year),
    (_c(rf"\b(?P<t>(?P<rel>this\s+past|this\s+coming|last|this|next|past)\s+{_REL_WHAT})\b"),
     _relative),
    (_c(rf"\b(?:in|during|at|on|over|around)\s+(?:the\s+)?(?P<rel>)"
        rf"(?P<t>(?P<what>{_SEASON}|{_MONTH_FULL}|{_HOL}|{_WEEKDAY}))\b"), _relative),
    (_c(r"\b(?P<t>the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow|yesterday|today"
        r"|tonight|tomorrow|this\s+(?:morning|afternoon|evening)|last\s+night)\b"), _dayword),
    (_c(rf"\b(?P<t>(?P<n>{d.NUMBER_RE})\s+(?P<unit>day|week|month|year|decade)s?\s+ago)\b"), _ago),
    (_c(rf"\b(?P<t>the\s+{_PART}['’]?(?P<dec>(?:1[89]|20)?\d0)['’]?s)\b(?P<word>)"), _decade),
    (_c(rf"\b(?P<t>{_PART}(?P<dec>(?:1[89]|20)\d0)['’]?s)\b(?P<word>)"), _decade),
    (_c(rf"\b(?P<t>the\s+{_PART}(?P<word>{_DECADE_WORD}))\b"), _decade),
    (_c(r"\b(?P<prep>in|since|during|around|by|until|till|from|of|circa|before|after|about)\s+"
        r"(?:the\s+year\s+)?(?P<t>(?P<y>1[89]\d\d|20\d\d))\b"), _year),
    (_c(rf"\b(?P<t>when\s+I\s+was\s+(?:about\s+|around\s+|only\s+|just\s+)?(?P<n>{_CARD})"
        r"(?:\s+years?\s+old)?)\b"), _age_num),
    (_c(rf"\b(?P<t>(?:at|by)\s+(?:the\s+)?age\s+(?:of\s+)?(?P<n>{_CARD}))\b"), _age_num),
    (_c(rf"\b(?P<t>aged\s+(?P<n>{_CARD}))\b"), _age_num),
    (_c(rf"\b(?P<t>(?:as\s+)?an?\s+(?P<n>{_CARD})[\s-]+years?[\s-]+old)\b"), _age_num),
    (_c(rf"\b(?P<t>(?:when\s+I\s+was|as)\s+(?:an?\s+|in\s+)?(?:(?:very|really)\s+)?"
        rf"(?P<stage>{_STAGE}))\b"), _age_stage),
    (_c(rf"\b(?:back\s+)?(?:in|during|at)\s+(?P<t>(?P<stage>{_SCHOOL}))\b"), _age_stage),
    (_c(rf"\b(?P<t>(?:in\s+)?my\s+{_PART}(?P<word>teens|{_DECADE_WORD}|[2-9]0s))\b"), _age_decade),
    (_c(r"\b(?P<t>(?P<stage>growing\s+up))\b"), _age_stage),
]

# Substrings (of the lowercased text) without which a pattern cannot match, one entry per
# PATTERNS row: most messages hold no time expression, and a substring test is far cheaper
# than a regex scan.
_DIGIT = tuple("0123456789")
_NAMED = tuple([*d.MONTHS, *d.SEASONS, "christmas", "xmas", "easter", "halloween",
                "thanksgiving", "valentine", "new year", *d.WEEKDAYS])
_NEEDS: list[tuple[str, ...]] = [
    _DIGIT, _DIGIT, _DIGIT, _DIGIT, _DIGIT, _DIGIT, _DIGIT, _DIGIT,
    ("last", "this", "next", "past"), _NAMED,
    ("yesterday", "today", "tonight", "tomorrow", "this morning", "this afternoon",
     "this evening", "last night"),
    ("ago",), ("0s", "0's", "0’s"), ("0s", "0's", "0’s"), tuple(d.DECADE_WORDS), _DIGIT,
    ("when i was",), ("age",), ("aged",), ("year",), ("when i was", "as a"),
    ("school", "college", "universit", "uni", "kindergarten"), ("my ",), ("growing up",),
]
assert len(_NEEDS) == len(PATTERNS)
_NEEDS_RE = [re.compile("|".join(map(re.escape, needs))) for needs in _NEEDS]


def find_times(text: str, ref: date | None = None, birth_year: int | None = None
               ) -> list[tuple[int, int, TimeValue]]:
    """All time expressions in text as (start, end, value), longest match first, no overlaps."""
    found: list[tuple[int, int, int, int, TimeValue]] = []
    low = text.lower()
    for priority, ((pattern, handler), needs) in enumerate(zip(PATTERNS, _NEEDS_RE, strict=True)):
        if not needs.search(low):
            continue
        for m in pattern.finditer(text):
            value = handler(m, ref, birth_year)
            if value is not None:
                found.append((m.start(), m.end(), priority, m.start("t"), value))
    found.sort(key=lambda f: (f[0] - f[1], f[2]))
    taken: list[tuple[int, int]] = []
    result = []
    for start, end, _, t_start, value in found:
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            result.append((t_start, t_start + len(value.text), value))
    return sorted(result, key=lambda r: r[0])


_YEAR_IN = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_DURATION = re.compile(
    rf"^(?:(?:{d.NUMBER_RE}|\d+)\s+(?:day|week|month|year|decade)s?(?:\s+old)?|\d{{1,3}})$", re.I)


def normalise(text: str, ref: date | None = None, birth_year: int | None = None
              ) -> TimeValue | None:
    """Normalise one expression (e.g. a spaCy DATE entity); None for a duration or an age."""
    if _DURATION.match(text.strip()):
        return None
    hits = find_times(text, ref, birth_year)
    if hits:
        return hits[0][2].model_copy(update={"text": text})
    bare = find_times("in " + text, ref, birth_year)
    if bare:
        return bare[0][2].model_copy(update={"text": text})
    year = _YEAR_IN.search(text)
    if year:
        y = int(year.group(1))
        return TimeValue(text=text, start=date(y, 1, 1), end=date(y, 12, 31), precision="year")
    return TimeValue(text=text, precision="unknown")


def merge_entities(found: list[tuple[int, int, TimeValue]], ents: Iterable[tuple[int, int, str]],
                   ref: date | None, birth_year: int | None) -> list[tuple[int, int, TimeValue]]:
    """Add spaCy DATE/TIME entity spans that the patterns missed, normalised where possible."""
    extra = []
    for start, end, text in ents:
        if any(start < e and end > s for s, e, _ in found):
            continue
        value = normalise(text, ref, birth_year)
        if value is not None:
            extra.append((start, end, value))
    return sorted(found + extra, key=lambda r: r[0])
