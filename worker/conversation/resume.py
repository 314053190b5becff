"""After a crisis reply: /resume lifts the pause (when no counselor decides), /helplines.

A user without a counselor is the only person who can say they are safe: after the caring
reply they may go on with their story, and the crisis lines stay one command (or one
button) away. With an active counselor, the counselor lifts the pause on the dashboard, as
before. The risk level is kept either way, so gentle tones stay on.
"""

from __future__ import annotations

import logging

from nlu.safety import helplines
from worker.conversation.command import CommandContext, CommandResult
from worker.conversation.safety_step import resume_by

logger = logging.getLogger(__name__)

RESUMED = ("Thank you for telling me. I'm glad you're safe. Let's go on: tell me more, or send "
           "/story for the next part. If it gets heavy again, /helplines shows people you can "
           "talk to, any time.")
NOT_PAUSED = "Your story isn't paused: tell me more, or send /story for the next part."
COUNSELOR_DECIDES = ("Your counselor decides when your story goes on; they can see how you "
                     "are doing and will lift the pause with you. If you need someone now:")


def cmd_resume(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """Lift a crisis pause on the user's own word, unless a counselor decides."""
    state = ctx.store.get_safety(user)
    if not state.paused:
        return CommandResult(NOT_PAUSED)
    if resume_by(ctx.store, user) == "counselor":
        return CommandResult(f"{COUNSELOR_DECIDES}\n{helplines(_locale(ctx, user))}")
    ctx.store.save_safety(user, state.model_copy(update={"paused": False}))
    link = ctx.store.client_link(user)
    ctx.store.audit(user, "lift_pause_self", link.ref if link else None,
                    detail=f"level {state.level}")
    logger.info("user %s lifted their story pause (level %s)", user, state.level)
    return CommandResult(RESUMED)


def cmd_helplines(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """The crisis lines for the user's locale, any time."""
    return CommandResult(helplines(_locale(ctx, user)))


def _locale(ctx: CommandContext, user: str) -> str:
    return ctx.store.get_settings(user).locale or ctx.settings.storyloom_default_locale
