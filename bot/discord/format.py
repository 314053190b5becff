"""Discord message text: Markdown escaped, mentions inert, split under 2000 characters.

Installments get a bold heading; their text is escaped so whatever the model
wrote shows literally, and no mention in it can ping anyone (the client also
sends every message with no allowed mentions).
"""

from __future__ import annotations

import discord

from bot.text import split_message

CONTENT_LIMIT = 2000


def _escaped(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def chunks(text: str, heading: str | None = None) -> list[str]:
    """Text as Discord messages: escaped, split at paragraphs, each within the limit."""
    head = f"**{discord.utils.escape_markdown(heading)}**\n\n" if heading else ""
    room = CONTENT_LIMIT - len(head)
    parts = split_message(text, room, lambda s: len(_escaped(s))) or ["…"]
    out = [_escaped(p) for p in parts]
    out[0] = head + out[0]
    return out
