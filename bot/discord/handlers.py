"""What storyloom does with each Discord event, once translated (no discord.py types here)."""

from __future__ import annotations

from bot.buttons import decode
from bot.discord.stories import PLATFORM, ThreadStories
from bot.inbound import Inbound
from bot.private import PrivateChat, Reply
from worker.conversation.commands import CommandContext

CHANNEL_HINT = ("Hello! To write a story together here, use /story start <title> and I'll "
                "open a thread for it. For your own life story, send me a direct message.")
COMMUNITY = ("weave", "recap", "export", "end", "join", "leave")


class DiscordHandlers:
    """Routes: DMs to the private life story, story threads to their community story."""

    def __init__(self, ctx: CommandContext) -> None:
        self.private = PrivateChat(ctx, PLATFORM)
        self.threads = ThreadStories(ctx)

    def message(self, inbound: Inbound) -> list[Reply]:
        """A message: a private turn, a contribution, or (only when addressed) a pointer."""
        if inbound.private:
            return self.private.handle(inbound)
        if inbound.thread and self.threads.is_story(inbound.chat_id):
            if inbound.kind in ("edit", "forward", "command"):
                return []
            return self.threads.contribute(inbound)
        return [Reply(CHANNEL_HINT)] if inbound.addressed else []

    def press(self, inbound: Inbound) -> list[Reply]:
        """A button: a vote in a story thread, or one under a private message."""
        pressed = decode(inbound.data or "")
        if pressed is not None and pressed.family == "vote":
            return self.threads.vote(inbound.user, pressed)
        if pressed is not None and pressed.family == "join":
            return self.threads.join(inbound.user, inbound.chat_id, pressed)
        return self.private.press(inbound.user, inbound.data or "")

    def command(self, inbound: Inbound) -> list[Reply]:
        """A command (slash or typed in a DM); /story's community subcommands act on threads."""
        name, args = inbound.command or "help", inbound.args
        if name == "story":
            sub, _, rest = args.partition(" ")
            if sub in COMMUNITY:
                return self.threads.command(sub, inbound.chat_id if inbound.thread else None,
                                            inbound.at, inbound.user)
            return self.private.command(inbound.user, "story", rest if sub == "next" else args)
        return self.private.command(inbound.user, name, args)
