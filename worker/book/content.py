"""What a book holds, gathered from the store once: chapters as the user titled them, the
years each covers, the parts (the versions shown now), their photos and their sources.

Every string is already pseudonymised here, so no renderer can leak a real name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from worker.store.book_records import Photo
from worker.store.records import Installment, utcnow
from worker.store.store import Store
from worker.story.photos import place_all

if TYPE_CHECKING:  # the profile imports the store: only for type hints here
    from worker.profile.model import LifeEvent, Profile

DEFAULT_TITLE = "My story"
MAX_CAPTION = 240
MAX_QUOTE = 160
_PARAGRAPH = re.compile(r"[^\n](?:[^\n]|\n(?![ \t]*\n))*")


def apply_pseudonyms(text: str, names: Mapping[str, str]) -> str:
    """Every whole-word occurrence of a real name replaced by its pseudonym."""
    for real in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(real)}(?!\w)", names[real], text)
    return text


@dataclass(frozen=True)
class Segment:
    """A run of a paragraph's text, ending where its note marker goes (if any)."""

    text: str
    note: int | None = None


@dataclass(frozen=True)
class BookPhoto:
    """A photo as the book shows it."""

    photo_id: str
    caption: str
    width: int
    height: int


@dataclass(frozen=True)
class Part:
    """One installment: its paragraphs (with note markers) and the photos beside it."""

    number: int
    paragraphs: tuple[tuple[Segment, ...], ...]
    photos: tuple[BookPhoto, ...] = ()


@dataclass(frozen=True)
class Chapter:
    """A chapter: number, title (None: untitled), the years it covers, its parts."""

    number: int
    title: str | None
    dates: str | None
    parts: tuple[Part, ...]

    @property
    def heading(self) -> str:
        return f"Chapter {self.number}: {self.title}" if self.title else f"Chapter {self.number}"


@dataclass(frozen=True)
class Book:
    """Everything a renderer needs; images are read from the store by photo id."""

    user: str
    title: str
    author: str | None
    chapters: tuple[Chapter, ...]
    notes: tuple[tuple[int, str], ...] = ()
    more_photos: tuple[BookPhoto, ...] = ()
    made_at: datetime = field(default_factory=utcnow)

    @property
    def photos(self) -> list[BookPhoto]:
        """Every photo in the book, in the order shown."""
        return [p for c in self.chapters for part in c.parts for p in part.photos] + list(
            self.more_photos)


def _marks(inst: Installment) -> list[tuple[int, tuple[str, ...]]]:
    """(end offset in the text, turn ids) of each sourced sentence; none if text changed."""
    pos, out = 0, []
    for sentence in inst.sentences:
        said = sentence.text.strip()
        at = inst.text.find(said, pos) if said else -1
        if at < 0:
            return []
        pos = at + len(said)
        if sentence.sources:
            out.append((pos, sentence.sources))
    return out


class _Notes:
    """Numbers the endnotes as the book is read."""

    def __init__(self, store: Store, user: str, names: Mapping[str, str]) -> None:
        self.store, self.user, self.names = store, user, names
        self.notes: list[tuple[int, str]] = []

    def add(self, turn_ids: tuple[str, ...]) -> int | None:
        quotes = []
        for turn_id in turn_ids:
            turn = self.store.get_turn(self.user, turn_id)
            if turn is None:
                continue
            words = " ".join(turn.text.split())
            if len(words) > MAX_QUOTE:
                words = words[:MAX_QUOTE].rsplit(" ", 1)[0] + "…"
            quotes.append(f"{turn.created_at:%d %B %Y}: “{apply_pseudonyms(words, self.names)}”")
        if not quotes:
            return None
        number = len(self.notes) + 1
        self.notes.append((number, "You told me on " + "; and on ".join(quotes)))
        return number


def _paragraphs(inst: Installment, names: Mapping[str, str], notes: _Notes | None
                ) -> tuple[tuple[Segment, ...], ...]:
    marks = _marks(inst) if notes is not None else []
    out = []
    for m in _PARAGRAPH.finditer(inst.text):
        segments, start = [], m.start()
        for end, sources in marks:
            if m.start() < end <= m.end():
                note = notes.add(sources) if notes is not None else None
                segments.append(Segment(inst.text[start:end], note))
                start = end
        if inst.text[start:m.end()].strip():
            segments.append(Segment(inst.text[start:m.end()]))
        cleaned = [Segment(apply_pseudonyms(" ".join(s.text.split()), names), s.note)
                   for s in segments]
        if cleaned and cleaned[0].text:
            out.append(tuple(cleaned))
    return tuple(out)


def _year_span(days: list[tuple[date, date]]) -> str | None:
    if not days:
        return None
    first, last = min(d[0] for d in days).year, max(d[1] for d in days).year
    return str(first) if first == last else f"{first}–{last}"


def _dates(parts: Sequence[Installment], events: Mapping[str, LifeEvent],
           profile: Profile) -> str | None:
    """The years the chapter's moments happened in (as the user dated them)."""
    spans = []
    for inst in parts:
        chosen = [events[i] for i in inst.event_ids if i in events] or [
            e for e in events.values() if e.turn_id in inst.turn_ids]
        for e in chosen:
            tv = e.time_value
            if tv is not None and tv.start is not None:
                spans.append((tv.start, tv.end or tv.start))
            elif tv is not None and tv.age is not None and profile.birth_year:
                year = date(profile.birth_year + tv.age, 1, 1)
                spans.append((year, year))
    return _year_span(spans)


def _book_photo(photo: Photo, names: Mapping[str, str]) -> BookPhoto:
    caption = " ".join((photo.caption or "").split())
    if len(caption) > MAX_CAPTION:
        caption = caption[:MAX_CAPTION].rsplit(" ", 1)[0] + "…"
    return BookPhoto(photo.photo_id, apply_pseudonyms(caption, names), photo.width,
                     photo.height)


def _grouped(story: Sequence[Installment]) -> list[tuple[int, list[Installment]]]:
    grouped: list[tuple[int, list[Installment]]] = []
    for inst in story:
        if grouped and grouped[-1][0] == inst.chapter:
            grouped[-1][1].append(inst)
        else:
            grouped.append((inst.chapter, [inst]))
    return grouped


def build_book(store: Store, user: str, title: str | None = None, author: str | None = None,
               sources: bool = True) -> Book:
    """The user's book as it stands now (the versions they chose, their pseudonyms)."""
    names = store.pseudonyms(user)
    state = store.get_story_state(user)
    profile = store.get_profile(user)
    story = store.installments(user)
    photos = {p.photo_id: p for p in store.photos(user)}
    placed = place_all(list(photos.values()), story, profile.events)
    events = {e.event_id: e for e in profile.events}
    titles = {c.number: c.title for c in state.chapters}
    notes = _Notes(store, user, names) if sources else None
    chapters = []
    for number, parts in _grouped(story):
        chapters.append(Chapter(
            number=number, title=apply_pseudonyms(titles[number], names) if titles.get(number)
            else None, dates=_dates(parts, events, profile),
            parts=tuple(Part(i.number, _paragraphs(i, names, notes), tuple(
                _book_photo(photos[p], names) for p in placed.get(i.installment_id, ())))
                for i in parts)))
    shown = {p for ids in placed.values() for p in ids}
    name = author or state.author
    return Book(user=user, title=apply_pseudonyms(title or state.title or DEFAULT_TITLE, names),
                author=apply_pseudonyms(name, names) if name else None,
                chapters=tuple(chapters), notes=tuple(notes.notes) if notes else (),
                more_photos=tuple(_book_photo(p, names) for p in photos.values()
                                  if p.photo_id not in shown))
