"""Text helpers shared by the chat adapters: splitting long messages, a language guess."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

Measure = Callable[[str], int]
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int, measure: Measure) -> int:
    """The longest prefix length of text that measures within limit (at least 1)."""
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(text[:mid]) <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _hard_cut(text: str, limit: int, measure: Measure) -> list[str]:
    out: list[str] = []
    while text:
        cut = _fit(text, limit, measure)
        space = text.rfind(" ", 0, cut) if cut < len(text) else -1
        if space > cut // 2:
            cut = space
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    return [o for o in out if o]


def _pack(pieces: list[str], sep: str, limit: int, measure: Measure) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}{sep}{piece}" if current else piece
        if measure(joined) <= limit:
            current = joined
            continue
        if current:
            chunks.append(current)
        current = piece
    if current:
        chunks.append(current)
    return chunks


def split_message(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Split text into chunks within limit: at paragraphs, else lines, sentences, words."""
    text = text.strip()
    if measure(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if measure(para) <= limit:
            pieces.append(para)
            continue
        for level in (r"\n", _SENTENCE_END):
            parts = [p.strip() for p in re.split(level, para) if p.strip()]
            if all(measure(p) <= limit for p in parts):
                pieces += _pack(parts, "\n" if level == r"\n" else " ", limit, measure)
                break
        else:
            pieces += _hard_cut(para, limit, measure)
    return _pack(pieces, "\n\n", limit, measure)


# -- a cheap language guess: scripts first, then common function words ----------------------
_STOPWORDS: dict[str, str] = {
    "en": "the and i my was he she we they to of in it that with for had his her you me",
    "es": "el la los las y que de en un una mi con por para se del fue era muy pero",
    "pt": "o a os as e que de em um uma meu minha com não do da foi era muito mas",
    "fr": "le la les et que de en un une mon ma avec pour est était je il elle pas",
    "de": "der die das und ich mein meine mit ist war ein eine nicht zu auf den dem",
    "it": "il lo la gli le e che di un una mio mia con per era sono non della",
    "nl": "de het en ik mijn met is was een niet van op te dat hij zij",
}
_STOPSETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_WORDS = 4


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def guess_language(text: str) -> str | None:
    """'en', another language or script name, or None when too short to tell."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    scripts: dict[str, int] = {}
    for ch in letters:
        scripts[_script(ch)] = scripts.get(_script(ch), 0) + 1
    top, count = max(scripts.items(), key=lambda kv: kv[1])
    if top != "LATIN" and count > len(letters) / 2:
        return top.lower()
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return None
    hits = {lang: sum(w in stops for w in words) for lang, stops in _STOPSETS.items()}
    best = max(hits, key=lambda lang: (hits[lang], lang == "en"))
    if hits[best] == 0 or hits["en"] >= hits[best]:
        return "en" if hits["en"] else None
    return best if hits[best] >= 2 else None


def is_handled_language(text: str) -> bool:
    """False only when the text is clearly in a language storyloom does not understand."""
    return guess_language(text) in (None, "en")
