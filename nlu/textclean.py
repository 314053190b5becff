"""Making arbitrary input safe to analyse: control characters out, length capped."""

from __future__ import annotations

import re

# A chat turn is at most a few thousand characters (Telegram caps messages at 4096);
# 20,000 leaves room for pasted letters and diary pages while keeping one analysis
# well under a second and the parser's memory small. Longer texts are cut, not chunked:
# the head of a message is what the conversation answers.
MAX_CHARS = 20_000

# C0/C1 controls except tab/newline/carriage return, plus lone surrogates (from broken
# decoding); each is replaced by one space so character offsets still line up.
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str, max_chars: int = MAX_CHARS) -> tuple[str, bool]:
    """Text safe for the pipeline and whether it was truncated (cut at a whitespace if near)."""
    truncated = len(text) > max_chars
    if truncated:
        cut = text.rfind(" ", max_chars - 200, max_chars)
        text = text[: cut if cut > 0 else max_chars]
    return _BAD.sub(" ", text), truncated
