"""What storyloom does with each Telegram update, once translated (no PTB types here)."""

from __future__ import annotations

from bot.inbound import Inbound
from bot.private import PrivateChat, Reply
from bot.telegram.groups import GroupChat
from worker.conversation.commands import CommandContext

PLATFORM = "telegram"


class TelegramHandlers:
    """Routes an update: private chats to the life story, groups to the group story."""

    def __init__(self, ctx: CommandContext) -> None:
        self.private = PrivateChat(ctx, PLATFORM)
        self.groups = GroupChat(ctx, PLATFORM)

    def handle(self, inbound: Inbound) -> list[Reply]:
        """The replies to one update (blocking: adapters call it from a worker thread)."""
        if not inbound.private:
            return self.groups.handle(inbound)
        return self.private.handle(inbound)
