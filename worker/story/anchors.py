"""Anchors: the people, places and times an installment promises to tell, and how to find them.

An anchor is found in a text when all its key words appear as whole words
(case-insensitive): a person by their name (or, for someone known only by a
relation, the relation word), a place by its name, a time by its most specific
words (a year, a number, a month or a season).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

AnchorKind = Literal["person", "place", "time"]


def _vocab(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBER_WORDS = _vocab(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred first second third fourth fifth sixth seventh eighth ninth tenth"
)
_CALENDAR = _vocab(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday spring summer autumn fall winter "
    "christmas easter birthday childhood twenties thirties forties fifties sixties seventies "
    "eighties nineties teens morning evening night weekend"
)
_STOP = _vocab(
    "the a an of in on at to for and or my your our his her their when i you we was were "
    "is are be been that this those these every each all last next ago years year old "
    "as about around after before during since until then"
)
_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-case word tokens (possessive 's dropped, so "Maria's" finds Maria)."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return [w.removesuffix("'s").strip("'") for w in _WORD.findall(text) if w.strip("'")]


@dataclass(frozen=True)
class Anchor:
    """One planned person, place or time."""

    kind: AnchorKind
    label: str
    keys: tuple[str, ...]

    def found_in(self, vocabulary: set[str]) -> bool:
        """True when every key word is in the text's word set."""
        return bool(self.keys) and all(k in vocabulary for k in self.keys)


def time_keys(phrase: str) -> tuple[str, ...]:
    """The words that must appear for a time to count as told: its most specific ones."""
    tokens = words(phrase)
    specific = [t for t in tokens if t.isdigit() or t in _NUMBER_WORDS]
    if specific:
        return tuple(dict.fromkeys(specific))
    calendar = [t for t in tokens if t in _CALENDAR]
    if calendar:
        return tuple(dict.fromkeys(calendar))
    return tuple(dict.fromkeys(t for t in tokens if t not in _STOP))[:2]


def time_phrase(label: str) -> str:
    """A time as it opens a sentence: '1998' -> 'In 1998', 'when you were seven' unchanged."""
    first = words(label)[:1]
    if first and (first[0].isdigit() or first[0] in _CALENDAR and first[0] not in ("every",)):
        label = "in " + label
    return label[:1].upper() + label[1:]


def name_keys(name: str) -> tuple[str, ...]:
    """Words of a name, without 'your'/'the' ('your brother' -> ('brother',))."""
    return tuple(t for t in words(name) if t not in _STOP)


def person(name: str) -> Anchor:
    return Anchor("person", name, name_keys(name))


def place(name: str) -> Anchor:
    return Anchor("place", name, name_keys(name))


def time(phrase: str) -> Anchor:
    return Anchor("time", phrase, time_keys(phrase))


def missing(anchors: tuple[Anchor, ...], text: str) -> list[Anchor]:
    """The anchors a text does not mention."""
    vocabulary = set(words(text))
    return [a for a in anchors if not a.found_in(vocabulary)]


def coverage(anchors: tuple[Anchor, ...], text: str) -> float:
    """Share of anchors the text mentions (1.0 when nothing was planned)."""
    if not anchors:
        return 1.0
    return 1.0 - len(missing(anchors, text)) / len(anchors)
