"""What the family page shows: the book as it stands, and a timeline drawn as SVG geometry.

Everything comes from one user's store records (the link's user) and is pseudonymised by
the book's content builder; the template adds only escaped text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from worker.book.content import Book, apply_pseudonyms, build_book
from worker.store.book_records import FamilyLink
from worker.store.store import Store

TL_W, TL_H, TL_PAD = 640, 170, 30
MAX_MOMENTS = 40
LABEL_CHARS = 38
# Dots alternate above and below the line, two rows each side, so neighbours' labels part.
OFFSETS = (-30.0, 30.0, -56.0, 56.0)


@dataclass(frozen=True)
class Moment:
    """A dated moment on the timeline: where it sits and what it says."""

    x: float
    y: float
    year: str
    label: str
    photo: bool = False


@dataclass(frozen=True)
class Timeline:
    """Years along a line, each told moment (and dated photo) a dot above or below it."""

    width: int
    height: int
    axis_y: float
    ticks: tuple[tuple[float, str], ...]
    moments: tuple[Moment, ...]


@dataclass(frozen=True)
class FamilyPage:
    """The page for one link."""

    link: FamilyLink
    book: Book
    timeline: Timeline | None


def _short(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= LABEL_CHARS else words[:LABEL_CHARS].rsplit(" ", 1)[0] + "…"


def _dated(store: Store, user: str) -> list[tuple[date, str, bool]]:
    """(when, what, is a photo) for the moments the story tells and its dated photos."""
    names = store.pseudonyms(user)
    events = {e.event_id: e for e in store.get_profile(user).events}
    out = []
    for inst in store.installments(user):
        for event_id in inst.event_ids:
            e = events.get(event_id)
            if e is not None and e.time_value is not None and e.time_value.start is not None:
                out.append((e.time_value.start, apply_pseudonyms(_short(e.text), names), False))
    for photo in store.photos(user):
        if photo.time_start is not None:
            out.append((photo.time_start, apply_pseudonyms(
                _short(photo.caption or "a photo"), names), True))
    return sorted(set(out))[:MAX_MOMENTS]


def timeline(store: Store, user: str) -> Timeline | None:
    """The story's dated moments along the years; None when nothing is dated."""
    dated = _dated(store, user)
    if not dated:
        return None
    first, last = dated[0][0].year, dated[-1][0].year + 1
    span = max(1, last - first)
    axis = TL_H / 2

    def x_of(day: date) -> float:
        years = day.year - first + (day.timetuple().tm_yday - 1) / 366
        return round(TL_PAD + years / span * (TL_W - 2 * TL_PAD), 1)

    step = max(1, round(span / 8))
    ticks = tuple((x_of(date(y, 1, 1)), str(y)) for y in range(first, last + 1, step))
    moments = tuple(Moment(x=x_of(day), y=axis + OFFSETS[i % len(OFFSETS)], year=str(day.year),
                           label=label, photo=photo)
                    for i, (day, label, photo) in enumerate(dated))
    return Timeline(TL_W, TL_H, axis, ticks, moments)


def family_page(store: Store, link: FamilyLink) -> FamilyPage:
    """Everything the page of this link shows (the link's user's data only)."""
    book = build_book(store, link.user, sources=False)
    return FamilyPage(link=link, book=book, timeline=timeline(store, link.user))
