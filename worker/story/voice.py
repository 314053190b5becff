"""Retelling what a user said about themselves in the story's point of view.

Users tell their memories in the first person ("I", "my"). The story can keep
that voice, address them ("you", the default: it reads like a letter to the
teller and keeps the small model from swapping who is who), or tell it about
them in the third person by name.
"""

from __future__ import annotations

import re

from worker.store.records import Pov

_SECOND = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "am": "are",
    "we": "you", "us": "you", "our": "your", "ours": "yours", "ourselves": "yourselves",
    "was": "was",
}
_THIRD = {
    "me": "{n}", "my": "{n}'s", "mine": "{n}'s", "myself": "{n}", "i'm": "{n} is",
    "i've": "{n} has", "i'd": "{n} would", "i'll": "{n} will", "am": "is", "i": "{n}",
    "we": "they", "us": "them", "our": "their", "ours": "theirs", "ourselves": "themselves",
    "was": "was",
}
_THEY = {
    "i": "they", "me": "them", "my": "their", "mine": "theirs", "myself": "themselves",
    "i'm": "they're", "i've": "they've", "i'd": "they'd", "i'll": "they'll", "am": "are",
    "we": "they", "us": "them", "our": "their", "ours": "theirs", "ourselves": "themselves",
    "was": "was",
}
_WORD = re.compile(r"[A-Za-z']+")
_SUBJECTS = ("i", "i'm", "i've", "i'd", "i'll", "we")


def _swap(text: str, table: dict[str, str], plural_we: str) -> str:
    words = _WORD.findall(text)
    first_person = any(w.lower() in _SUBJECTS for w in words)

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low == "am" and not first_person:
            return word
        if low == "was" and first_person:
            # "I was" -> "you were"; only right after a swapped subject
            before = text[: m.start()].rstrip().split(" ")[-1:] or [""]
            prev = before[0].lower()
            if prev == "we" or (prev == "i" and plural_we == "were"):
                return "were"
            return word
        out = table.get(low, word)
        return out.capitalize() if word[:1].isupper() and m.start() == 0 else out

    return _WORD.sub(swap, text)


def second_person(text: str) -> str:
    """'I missed my gran' -> 'you missed your gran' (first person only; others untouched)."""
    return _swap(text, _SECOND, "were")


def third_person(text: str, name: str) -> str:
    """'I missed my gran' -> 'Ana missed Ana's gran'; 'we' becomes 'they'."""
    if name.lower() == "they":
        out = _swap(text, _THEY, "were")
    else:
        out = _swap(text, {k: v.format(n=name) for k, v in _THIRD.items()}, "was")
    return out[:1].upper() + out[1:] if text[:1].isupper() else out


def in_pov(text: str, pov: Pov, name: str | None = None) -> str:
    """The user's first-person words in the story's point of view."""
    if pov == "second":
        return second_person(text)
    if pov == "third":
        return third_person(text, name or "they")
    return text


def subject(pov: Pov, name: str | None = None) -> str:
    """How the story names its teller as the subject of a sentence."""
    return {"first": "I", "second": "you", "third": name or "they"}[pov]
