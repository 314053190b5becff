"""Chat commands, shared by every adapter (terminal, Telegram, Discord).

An adapter parses ``/name args`` and calls :func:`dispatch`; the answer is a
short text to show at once and, for commands that start work, the id of the
request whose delivery will follow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis

from worker.profile_view import render_profile
from worker.settings import Settings
from worker.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandContext:
    """What a command may touch."""

    settings: Settings
    store: Store
    redis: redis.Redis


@dataclass(frozen=True)
class CommandResult:
    """The immediate answer to a command, and the request it started if any."""

    text: str
    request_id: str | None = None


Handler = Callable[[CommandContext, str, str], CommandResult]
HELP: dict[str, str] = {}
_HANDLERS: dict[str, Handler] = {}


def command(name: str, usage: str) -> Callable[[Handler], Handler]:
    """Register a handler for /name with its help line."""
    def register(fn: Handler) -> Handler:
        _HANDLERS[name] = fn
        HELP[name] = usage
        return fn
    return register


def parse(text: str) -> tuple[str, str] | None:
    """('story', 'args') for '/story args'; None when the text is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    name, _, args = stripped[1:].partition(" ")
    return name.split("@", 1)[0].lower(), args.strip()


def dispatch(ctx: CommandContext, user: str, name: str, args: str) -> CommandResult:
    """Run a command for a user; unknown commands get a pointer to /help."""
    handler = _HANDLERS.get(name)
    if handler is None:
        return CommandResult(f"I don't know the command /{name}. Send /help to see what I can do.")
    ctx.store.touch_user(user)
    try:
        return handler(ctx, user, args)
    except Exception as exc:  # the boundary of one command: the chat goes on
        # the type only: an exception's message can quote what the user wrote
        logger.error("command /%s failed for user %s: %s", name, user, type(exc).__name__)
        return CommandResult(f"Sorry, /{name} went wrong on my side. Nothing you told me "
                             "was lost; please try again in a moment.")


@command("help", "/help: what I can do")
def _help(ctx: CommandContext, user: str, args: str) -> CommandResult:
    lines = ["Tell me about your life: people, places, moments, how they felt.", ""]
    lines += [HELP[name] for name in _HANDLERS]
    return CommandResult("\n".join(lines))


@command("profile", "/profile: what I have understood about your life")
def _profile(ctx: CommandContext, user: str, args: str) -> CommandResult:
    return CommandResult(render_profile(ctx.store.get_profile(user)))


__all__ = ["CommandContext", "CommandResult", "HELP", "dispatch", "parse"]

# Command modules register themselves on import; every adapter gets them.
import worker.counsel_commands  # noqa: E402,F401
import worker.counsel_privacy  # noqa: E402,F401

# Story commands register themselves with @command when imported (every adapter gets them).
from worker.story import controls as _story_controls  # noqa: E402,F401
from worker.training import commands as _training_commands  # noqa: E402,F401
