"""/voice keep|fix <text>|drop|recordings on|off: decide on a voice note's transcript."""

from __future__ import annotations

from worker.conversation.command import CommandContext, CommandResult
from worker.conversation.voice.intake import await_fix, drop_voice, keep_voice

USAGE = ("/voice keep (keep what I heard), /voice fix <your words> (keep your words "
         "instead), /voice drop, or /voice recordings on|off (keep your recordings, sealed; "
         "off by default).")
RECORDINGS_ON = ("I'll keep the recordings of your voice notes, encrypted like everything "
                 "else of yours; /forget deletes them. /voice recordings off stops it.")
RECORDINGS_OFF = "I won't keep recordings: each voice note's audio goes once it is heard."


def cmd_voice(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """Keep, correct or drop the latest transcript; choose whether recordings are kept."""
    word, _, rest = args.strip().partition(" ")
    word = word.lower()
    if word == "keep":
        return CommandResult(keep_voice(ctx.store, ctx.settings, user)[0])
    if word == "fix":
        if rest.strip():
            return CommandResult(keep_voice(ctx.store, ctx.settings, user,
                                            correction=rest)[0])
        return CommandResult(await_fix(ctx.store, user))
    if word == "drop":
        return CommandResult(drop_voice(ctx.store, user))
    if word == "recordings" and rest.strip().lower() in ("on", "off"):
        keep = rest.strip().lower() == "on"
        ctx.store.set_keep_recordings(user, keep)
        return CommandResult(RECORDINGS_ON if keep else RECORDINGS_OFF)
    return CommandResult("Send a voice note and I'll write down what I hear. Then: " + USAGE)
