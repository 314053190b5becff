"""Retelling what a user said about themselves in the second person."""

from __future__ import annotations

import re

_SWAP = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "i'm": "you're", "i've": "you've", "i'd": "you'd", "i'll": "you'll", "am": "are",
    "we": "you", "us": "you", "our": "your", "ours": "yours", "ourselves": "yourselves",
    "was": "was",
}
_WORD = re.compile(r"[A-Za-z']+")


def second_person(text: str) -> str:
    """'I missed my gran' -> 'you missed your gran' (first person only; others untouched)."""
    words = _WORD.findall(text)
    first_person = any(w.lower() in ("i", "i'm", "i've", "i'd", "i'll", "we") for w in words)

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low == "am" and not first_person:
            return word
        if low == "was" and first_person:
            # "I was" -> "you were"; only right after a swapped subject
            before = text[: m.start()].rstrip().split(" ")[-1:] or [""]
            return "were" if before[0].lower() in ("i", "we") else word
        out = _SWAP.get(low, word)
        return out.capitalize() if word[:1].isupper() and m.start() == 0 else out

    return _WORD.sub(swap, text)
