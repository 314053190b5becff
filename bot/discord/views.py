"""storyloom's button rows as discord.py views.

Views are stopped before they are sent, so discord.py keeps no state for them:
every press arrives as an interaction the adapter answers from the button's
data, which keeps working across restarts.
"""

from __future__ import annotations

import discord

from bot.buttons import Rows


def make_view(rows: Rows) -> discord.ui.View | None:
    """A view with the rows' buttons (None for no buttons)."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows[:5]):
        for button in row[:5]:
            view.add_item(discord.ui.Button(label=button.label[:80], custom_id=button.data,
                                            row=index, style=discord.ButtonStyle.secondary))
    view.stop()
    return view
