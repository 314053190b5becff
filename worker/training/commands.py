"""Chat commands about what storyloom learns from: /notrain keeps messages out of training."""

from __future__ import annotations

from worker.conversation.command import CommandContext, CommandResult
from worker.training import schedule

MAX_AT_ONCE = 50


def cmd_notrain(ctx: CommandContext, user: str, args: str) -> CommandResult:
    word = args.strip() or "1"
    if not word.isdigit() or not 1 <= int(word) <= MAX_AT_ONCE:
        return CommandResult(f"Send /notrain for your last message, or /notrain N for your "
                             f"last N (up to {MAX_AT_ONCE}).")
    turns = ctx.store.turns(user)[-int(word):]
    if not turns:
        return CommandResult("You haven't told me anything yet, so there is nothing to leave out.")
    marked = ctx.store.withhold_turns(user, [t.turn_id for t in turns], "private")
    one = len(turns) == 1
    what = "your last message" if one else f"your last {len(turns)} messages"
    them = "it" if one else "them"
    text = (f"I'll keep {what} out of what I learn your voice from. "
            f"{'It stays' if one else 'They stay'} in your profile and story.")
    if marked:  # an adapter learned from them: retrain from the base without them, now
        schedule.enqueue_finetune(ctx.redis, ctx.store, ctx.settings, user, privacy=True)
        text += f" Your voice model had learned from {them}; I'm retraining it without {them}."
    return CommandResult(text)
