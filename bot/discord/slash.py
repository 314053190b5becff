"""The slash commands: /story (next, start, weave, recap, export, end) and every other
command storyloom knows, registered from the shared command registry at startup."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.private import menu

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


class SlashTarget(Protocol):
    """What the commands call: the adapter."""

    async def on_slash(self, interaction: discord.Interaction, name: str, args: str) -> None: ...

    async def on_story_start(self, interaction: discord.Interaction, title: str) -> None: ...


Callback = Callable[..., Coroutine[Any, Any, None]]


def _generic(target: SlashTarget, name: str) -> Callback:
    async def run(interaction: discord.Interaction, args: str = "") -> None:
        await target.on_slash(interaction, name, args)

    return run


def _story_sub(target: SlashTarget, sub: str) -> Callback:
    async def run(interaction: discord.Interaction) -> None:
        await target.on_slash(interaction, "story", sub)

    return run


def story_group(target: SlashTarget) -> app_commands.Group:
    """/story: your own next installment, or a story written together in a thread."""
    story = app_commands.Group(name="story", description="Your life story, or a story "
                               "written together")

    @story.command(name="next", description="Write the next installment of your own story")
    async def next_part(interaction: discord.Interaction, args: str = "") -> None:
        await target.on_slash(interaction, "story", f"next {args}".strip())

    @story.command(name="start", description="Start a story written together, in a new thread")
    @app_commands.describe(title="The story's title")
    async def start(interaction: discord.Interaction, title: str) -> None:
        await target.on_story_start(interaction, title)

    about = {"weave": "Weave the contributions so far into the next part",
             "recap": "Where this thread's story stands",
             "export": "This thread's story as a file",
             "end": "Finish this thread's story",
             "join": "Keep my words in this thread's story",
             "leave": "Stop keeping my words in this thread's story"}
    for sub, description in about.items():
        story.add_command(app_commands.Command(
            name=sub, description=description, callback=_story_sub(target, sub)))  # type: ignore[arg-type]
    return story


def build_tree(tree: app_commands.CommandTree, target: SlashTarget) -> list[str]:
    """Register /story and one command per registered chat command; returns their names."""
    tree.add_command(story_group(target))
    names = ["story"]
    for name, description in menu():
        if name == "story" or not NAME.match(name):
            continue
        tree.add_command(app_commands.Command(
            name=name, description=description[:100] or name,
            callback=_generic(target, name)))  # type: ignore[arg-type]
        names.append(name)
    return names
