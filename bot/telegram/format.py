"""Telegram message text: split under the 4096-character limit, escaped for HTML.

Installments use HTML parse mode for their bold heading; everything inside
them is escaped, so whatever the model wrote shows literally. Replies and
notices use no parse mode at all: there is nothing to format, and nothing
can then be misread as markup.
"""

from __future__ import annotations

import html

from bot.text import split_message, utf16_len

TEXT_LIMIT = 4096
HTML = "HTML"


def plain_chunks(text: str) -> list[str]:
    """Plain text in chunks Telegram accepts (counted in UTF-16 units, as Telegram does)."""
    return split_message(text, TEXT_LIMIT, utf16_len)


def installment_chunks(text: str, heading: str) -> list[str]:
    """An installment as HTML chunks: a bold heading first, every chunk escaped.

    The limit applies to the text after Telegram parses the entities, so the
    plain text is split first (leaving room for the heading) and escaped after.
    """
    head = heading + "\n\n"
    room = TEXT_LIMIT - utf16_len(head)
    chunks = split_message(text, room, utf16_len) or ["…"]
    out = [html.escape(chunk, quote=False) for chunk in chunks]
    out[0] = f"<b>{html.escape(heading, quote=False)}</b>\n\n{out[0]}"
    return out
