"""Text preparation for the risk rules: normalise, bound, split into sentences."""

from __future__ import annotations

import re
import unicodedata

# Turns longer than this are assessed on their head and tail only: a chat turn is
# a few hundred characters, and a 1 MB paste must not stall the turn handler.
MAX_CHARS = 20_000
_HALF = MAX_CHARS // 2

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"'})

# Texting forms without apostrophes, so one pattern covers both spellings.
_CONTRACTIONS = {
    "dont": "don't", "cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've",
    "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't", "wouldnt": "wouldn't",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "wasnt": "wasn't", "arent": "aren't",
    "havent": "haven't", "hasnt": "hasn't", "whats": "what's",
    "theyd": "they'd", "hes": "he's", "shes": "she's", "theyre": "they're", "thats": "that's",
    "wanna": "want to", "gonna": "going to", "gotta": "got to", "u": "you", "ur": "your",
    "cuz": "because", "bc": "because", "rn": "right now", "tmrw": "tomorrow", "2nite": "tonight",
}
_CONTRACTION_RE = re.compile(r"\b(" + "|".join(map(re.escape, _CONTRACTIONS)) + r")\b")
_SPACE_RE = re.compile(r"[ \t\f\v\r]+")
# Sentence and hard clause boundaries: negation and tense never cross these.
_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=[.!?])(?=[A-Za-z])")


def bound(text: str) -> tuple[str, bool]:
    """Return the part of text to assess and whether it was cut."""
    if len(text) <= MAX_CHARS:
        return text, False
    return text[:_HALF] + "\n" + text[-_HALF:], True


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and quotes, expand texting contractions, drop controls."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_QUOTES)
    text = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)
    text = _SPACE_RE.sub(" ", text.lower())
    return _CONTRACTION_RE.sub(lambda m: _CONTRACTIONS[m.group(1)], text)


def sentences(text: str) -> list[str]:
    """Split normalised text into sentences; empty pieces are dropped."""
    return [s.strip() for s in _SENTENCE_RE.split(text) if s and s.strip()]


def as_text(value: object) -> str | None:
    """Accept str or bytes (decoded leniently); anything else is not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return None
