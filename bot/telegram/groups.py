"""Telegram groups: storyloom co-writes the group's story, and speaks only when addressed.

Addressed messages (a mention, a reply to storyloom, a command) become
contributions to the group's community story, once their writer agreed that
their words are kept there (a button, or /story join); everything else in the
group is neither read further nor stored. Nobody's private story is used here
unless they turned /share on in their private chat.
"""

from __future__ import annotations

from bot.buttons import decode, join_buttons
from bot.inbound import Inbound
from bot.private import Reply
from worker.community.stories import (
    JOIN_ASK,
    NOT_JOINED,
    community_key,
    contribute,
    end_story,
    export_story,
    join,
    leave,
    open_story,
    recap,
    start_story,
)
from worker.community.weave import begin_weave
from worker.conversation.commands import CommandContext

PLACE = "telegram-group"
HELP = ("In this group I write the group's story with you. Mention me or reply to me with a "
        "contribution, and I'll weave them into the next part every few contributions "
        "(I keep your words only once you agree: /story join). /story weave: weave now. "
        "/story recap: where the story stands. /story export: the story as a file. /story "
        "end: finish it. For your own life story, write to me in a private chat: nothing you "
        "tell me there appears here unless you allow it.")
PRIVATE_ONLY = ("That works in a private chat with me, where your own story is kept. In this "
                "group: /story weave, /story recap, /story export, /story end, /help.")
WORDS_ONLY = "I can only weave words into the group's story."
FORGET_HERE = ("Send /forget to me in a private chat: it deletes everything I keep about you, "
               "your words in this group's story included, even if you never started a "
               "story of your own with me.")


class GroupChat:
    """One adapter's group conversations, each with its own community story."""

    def __init__(self, ctx: CommandContext, platform: str = "telegram") -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.platform = platform

    def handle(self, inbound: Inbound) -> list[Reply]:
        """Answer an update from a group (nothing at all when storyloom wasn't addressed)."""
        if not inbound.addressed:
            return []
        story = community_key(PLACE, inbound.chat_id)
        if inbound.kind == "command":
            return self._command(inbound, story)
        if inbound.kind in ("text", "photo") and inbound.text.strip():
            return self._contribute(inbound, story)
        if inbound.kind == "press":
            return self._press(inbound, story)
        if inbound.kind == "edit":
            return []
        return [Reply(WORDS_ONLY)]

    def _press(self, inbound: Inbound, story: str) -> list[Reply]:
        pressed = decode(inbound.data or "")
        if pressed is None or pressed.family != "join":
            return [Reply(toast="Nothing to do here.")]
        if pressed.action != "yes":
            return [Reply(toast=NOT_JOINED)]
        self._ensure(inbound, story)
        return [Reply(toast=join(self.store, story, inbound.user))]

    def _ensure(self, inbound: Inbound, story: str, title: str | None = None) -> None:
        if open_story(self.store, story) is None:
            start_story(self.store, story=story, title=title or inbound.title or "Our story",
                        platform=self.platform, channel_id=inbound.chat_id,
                        started_by=inbound.user)

    def _contribute(self, inbound: Inbound, story: str) -> list[Reply]:
        self._ensure(inbound, story)
        got = contribute(self.store, self.ctx.settings, story=story, author=inbound.user,
                         name=inbound.name or "someone", text=inbound.text,
                         message_id=inbound.message_id, at=inbound.at)
        if got.needs_join:
            return [Reply(JOIN_ASK, buttons=join_buttons())]
        if not got.stored:
            return [Reply("I couldn't add that to the story.")]
        replies = [Reply(got.notice)] if got.notice else []
        if got.due:
            return replies + self._weave(inbound, story)
        return replies + [Reply(f"Added to the story ({got.waiting} waiting to be woven).")]

    def _weave(self, inbound: Inbound, story: str) -> list[Reply]:
        started = begin_weave(self.store, self.ctx.redis, self.ctx.settings, story, inbound.at,
                              vote=False)
        if started.refusal:
            return [Reply(started.refusal)]
        return [Reply("Weaving the next part of the story…", request_id=started.request_id)]

    def _command(self, inbound: Inbound, story: str) -> list[Reply]:
        if inbound.command in ("help", "start"):
            return [Reply(HELP)]
        if inbound.command == "forget":
            return [Reply(FORGET_HERE)]
        if inbound.command != "story":
            return [Reply(PRIVATE_ONLY)]
        sub, _, rest = inbound.args.partition(" ")
        sub = sub.lower() or "weave"
        if sub == "start":
            self._ensure(inbound, story, rest.strip() or None)
            record = open_story(self.store, story)
            title = record.title if record else "Our story"
            return [Reply(f"Let's write “{title}” together. Mention me with your part.\n\n"
                          + JOIN_ASK.split(" (Then")[0], buttons=join_buttons())]
        if sub == "join":
            self._ensure(inbound, story)
            return [Reply(join(self.store, story, inbound.user))]
        if sub == "leave":
            return [Reply(leave(self.store, story, inbound.user))]
        if sub == "weave":
            self._ensure(inbound, story)
            return self._weave(inbound, story)
        if sub == "recap":
            return [Reply(recap(self.store, story))]
        if sub == "export":
            exported = export_story(self.store, story)
            if exported is None:
                return [Reply("There is no story here yet.")]
            return [Reply("The story so far.", files=(exported,))]
        if sub == "end":
            return [Reply(end_story(self.store, story))]
        return [Reply(HELP)]
