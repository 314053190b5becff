"""Time expressions normalised against the date the message was written."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.schema import TimeValue
from nlu.timex import find_times, normalise

SAID = date(2026, 11, 28)


def one(text: str, ref: date | None = SAID, birth_year: int | None = None) -> TimeValue:
    found = find_times(text, ref, birth_year)
    assert len(found) == 1, found
    start, end, value = found[0]
    assert text[start:end] == value.text
    return value


@pytest.mark.parametrize(("text", "start", "end", "precision"), [
    ("We went there last summer.", date(2026, 6, 1), date(2026, 8, 31), "season"),
    ("It happened in 1998.", date(1998, 1, 1), date(1998, 12, 31), "year"),
    ("I left two years ago.", date(2024, 1, 1), date(2024, 12, 31), "year"),
    ("Yesterday I cried.", date(2026, 11, 27), date(2026, 11, 27), "day"),
    ("Life was simpler in the eighties.", date(1980, 1, 1), date(1989, 12, 31), "decade"),
    ("I loved the 80s.", date(1980, 1, 1), date(1989, 12, 31), "decade"),
    ("We met in March 2019.", date(2019, 3, 1), date(2019, 3, 31), "month"),
    ("She died on 3 March 2019.", date(2019, 3, 3), date(2019, 3, 3), "day"),
    ("He proposed last Christmas.", date(2025, 12, 25), date(2025, 12, 25), "day"),
    ("The late 90s were wild.", date(1996, 1, 1), date(1999, 12, 31), "decade"),
    ("It snowed last winter.", date(2025, 12, 1), date(2026, 2, 28), "season"),
    ("See you next summer.", date(2027, 6, 1), date(2027, 8, 31), "season"),
    ("We spoke last week.", date(2026, 11, 16), date(2026, 11, 22), "week"),
    ("A few months ago it rained.", date(2026, 8, 1), date(2026, 8, 31), "month"),
    ("We married last March.", date(2026, 3, 1), date(2026, 3, 31), "month"),
    ("We painted eggs this past Easter.", date(2026, 4, 5), date(2026, 4, 5), "day"),
])
def test_relative_and_absolute_dates(text: str, start: date, end: date, precision: str) -> None:
    value = one(text)
    assert (value.start, value.end, value.precision) == (start, end, precision)


def test_last_summer_depends_on_whether_this_summer_is_over() -> None:
    assert one("last summer", date(2026, 11, 28)).start == date(2026, 6, 1)
    assert one("last summer", date(2026, 7, 10)).start == date(2025, 6, 1)


@pytest.mark.parametrize(("text", "age", "age_end"), [
    ("when I was seven we moved", 7, 7),
    ("when I was 12 years old", 12, 12),
    ("as a kid I climbed trees", 3, 12),
    ("in my twenties I travelled", 20, 29),
    ("in my early thirties", 30, 33),
    ("at the age of sixteen", 16, 16),
    ("in high school I ran", 14, 18),
])
def test_ages_without_birth_year_have_no_dates(text: str, age: int, age_end: int) -> None:
    value = one(text)
    assert (value.precision, value.age, value.age_end, value.start) == ("age", age, age_end, None)


def test_age_becomes_years_with_birth_year() -> None:
    value = one("when I was seven", birth_year=1990)
    assert (value.start, value.end) == (date(1997, 1, 1), date(1998, 12, 31))


def test_relative_times_without_message_date_keep_precision_only() -> None:
    value = one("last summer", ref=None)
    assert (value.precision, value.start) == ("season", None)
    assert one("in 1998", ref=None).start == date(1998, 1, 1)


def test_modal_may_is_not_a_month() -> None:
    assert find_times("this may be wrong, but I may go", SAID) == []
    assert one("We left in May.").start == date(2026, 5, 1)


def test_durations_are_not_points_in_time() -> None:
    assert normalise("two years", SAID) is None
    assert normalise("that day", SAID) == TimeValue(text="that day", precision="unknown")


def test_sort_key_puts_earlier_first() -> None:
    values = [one(t) for t in ("in 1998", "last summer", "in the eighties", "when I was 7")]
    ordered = sorted(values, key=lambda v: v.sort_key)
    assert [v.text for v in ordered] == ["the eighties", "1998", "last summer", "when I was 7"]
