"""Speech for measuring voice notes: real speech synthesized by a TTS package (hibari-tts,
Apache-2.0, its default voice shipped in the wheel), and word error rate."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np

TTS_RATE = 24_000
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


@lru_cache(maxsize=1)
def _tts() -> Any:
    from hibari import Hibari

    return Hibari(threads=1)


def speak(text: str, seed: int = 0) -> np.ndarray:
    """The text read aloud: float32 samples at 24 kHz."""
    return np.asarray(_tts()(text, seed=seed), dtype=np.float32)


def _two(n: int) -> str:
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])


def number_words(n: int) -> str:
    """0..9999 in words, years read as people say them (1962: nineteen sixty two)."""
    if n < 100:
        return _two(n)
    if 1100 <= n <= 1999 or (2010 <= n <= 2099):
        rest = n % 100
        return _two(n // 100) + " " + ("hundred" if rest == 0 else
                                       ("oh " + ONES[rest] if rest < 10 else _two(rest)))
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + (" " + _two(rest) if rest else "")
    rest = n % 1000
    return _two(n // 1000) + " thousand" + (" " + number_words(rest) if rest else "")


def normalize(text: str) -> list[str]:
    """Words to compare: lower case, no punctuation, digits as words, British = American."""
    text = text.lower().replace("-", " ").replace("harbour", "harbor").replace(
        "colour", "color").replace("neighbour", "neighbor").replace("favourite", "favorite")
    text = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", text)
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " "
                  if int(m.group()) < 10_000 else m.group(), text)
    return re.sub(r"[^a-z0-9' ]", " ", text).replace("'s", "s").split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words): Levenshtein over words."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, row[0] = row[:], i
        for j in range(1, len(hyp) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ref[i - 1] != hyp[j - 1]))
    return row[len(hyp)], len(ref)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of one transcript."""
    errors, words = word_errors(reference, hypothesis)
    return errors / max(words, 1)
