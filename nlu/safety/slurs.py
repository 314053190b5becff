"""Slur lookup against salted hashes, so the repository carries no plain-text slur list."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from functools import lru_cache
from importlib import resources

# Leetspeak and symbol stand-ins seen in evasions ("n1gg3r").
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i"})
_TOKEN = re.compile(r"[a-z0-9@$!]+")


@lru_cache(maxsize=1)
def _table() -> tuple[str, frozenset[str]]:
    raw = resources.files("nlu.safety").joinpath("slurs.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    return data["salt"], frozenset(data["hashes"])


def digest(term: str) -> str:
    """The stored form of one lower-cased token or two-word phrase."""
    salt, _ = _table()
    return hashlib.sha256((salt + term).encode("utf-8")).hexdigest()


def count_slurs(text: str) -> int:
    """How many tokens or two-word phrases of text are on the list."""
    _, hashes = _table()
    tokens = [t.translate(_LEET) for t in _TOKEN.findall(text.lower())]
    hits = sum(digest(t) in hashes for t in tokens)
    hits += sum(digest(f"{a} {b}") in hashes for a, b in zip(tokens, tokens[1:], strict=False))
    return hits


def main(argv: list[str]) -> None:
    """`python -m nlu.safety.slurs hash WORD`: print the hash to add to slurs.json."""
    if len(argv) == 2 and argv[0] == "hash":
        print(digest(argv[1].lower()))
    else:
        print("usage: python -m nlu.safety.slurs hash WORD")


if __name__ == "__main__":
    main(sys.argv[1:])
