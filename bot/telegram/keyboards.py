"""storyloom's button rows as Telegram inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.buttons import Rows


def markup(rows: Rows) -> InlineKeyboardMarkup | None:
    """An inline keyboard for the rows (None for no buttons)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )
