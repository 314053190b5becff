"""Community co-writing in Discord threads, in storyloom's terms (no discord.py types).

``/story start <title>`` in a channel opens a thread whose story has its own
state (``discord-thread:<id>``). Members' messages in the thread are
contributions; every few of them (or on ``/story weave``) members vote on a
direction, then the generate worker weaves the next part, crediting each
contributor. Nobody's private story is used unless they turned /share on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.buttons import Press, join_buttons, vote_buttons
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
from worker.community.votes import cast, close_due_votes
from worker.community.weave import begin_weave, weave_after_vote
from worker.conversation.commands import CommandContext

PLACE = "discord-thread"
PLATFORM = "discord"
NOT_A_STORY = "There is no story in this thread. Start one from a channel with /story start."
WORDS_ONLY = "I can only weave words into the story: write your part as a message."


def thread_story(thread_id: str | int) -> str:
    """The community story key of a thread."""
    return community_key(PLACE, thread_id)


def intro(title: str, every: int) -> str:
    """The first message in a new story's thread."""
    how = (f"every {every} contributions I'll weave them into the next part"
           if every else "/story weave weaves them into the next part")
    return (f"“{title}” starts here. Write your contributions in this thread; {how}, "
            "crediting each of you. I keep what you write here for this story once you agree "
            "(the button, or /story join). /story recap, /story export and /story end work "
            "in this thread.")


@dataclass(frozen=True)
class Closed:
    """A vote whose window ended: where it was, what won, and the weave it started."""

    story: str
    thread_id: str
    message_id: str | None
    text: str
    request_id: str


class ThreadStories:
    """Starts, feeds, weaves and ends the community stories of Discord threads."""

    def __init__(self, ctx: CommandContext) -> None:
        self.ctx = ctx
        self.store = ctx.store

    def is_story(self, thread_id: str) -> bool:
        """True when the thread holds a story that is still open."""
        return open_story(self.store, thread_story(thread_id)) is not None

    def start(self, user: str, thread_id: str, title: str) -> list[Reply]:
        """Open the story of a freshly created thread."""
        record = start_story(self.store, story=thread_story(thread_id), title=title,
                             platform=PLATFORM, channel_id=thread_id, started_by=user)
        return [Reply(intro(record.title, self.ctx.settings.community_weave_every),
                      buttons=join_buttons())]

    def join(self, user: str, thread_id: str, pressed: Press | None = None) -> list[Reply]:
        """A member agrees (or declines) that their words are kept in the thread's story."""
        story = thread_story(thread_id)
        if open_story(self.store, story) is None:
            return [Reply(toast=NOT_A_STORY)]
        if pressed is not None and pressed.action != "yes":
            return [Reply(toast=NOT_JOINED)]
        return [Reply(toast=join(self.store, story, user))]

    def contribute(self, inbound: Inbound) -> list[Reply]:
        """A member's message in a story thread: kept, and a weave begun when it is time."""
        story = thread_story(inbound.chat_id)
        if not inbound.text.strip():
            return [Reply(WORDS_ONLY)] if self.is_story(inbound.chat_id) else []
        got = contribute(self.store, self.ctx.settings, story=story, author=inbound.user,
                         name=inbound.name or "someone", text=inbound.text,
                         message_id=inbound.message_id, at=inbound.at)
        if got.needs_join:
            return [Reply(JOIN_ASK, buttons=join_buttons())]
        replies = [Reply(got.notice)] if got.notice else []
        if got.due:
            replies += self.weave(story, inbound.at, quiet=True)
        return replies

    def weave(self, story: str, now: datetime, quiet: bool = False) -> list[Reply]:
        """Begin the next part: a vote on its direction, or the weave itself."""
        started = begin_weave(self.store, self.ctx.redis, self.ctx.settings, story, now)
        if started.refusal:
            return [] if quiet else [Reply(started.refusal)]
        if started.vote is not None:
            vote = started.vote
            seconds = round(self.ctx.settings.community_vote_seconds)
            text = (f"Time to weave the next part! Where should the story go? "
                    f"Vote in the next {seconds} seconds.")
            return [Reply(text, buttons=vote_buttons(vote.vote_id, vote.options),
                          vote_id=vote.vote_id)]
        return [Reply("Weaving the next part of the story…", request_id=started.request_id)]

    def command(self, sub: str, thread_id: str | None, now: datetime,
                user: str = "") -> list[Reply]:
        """/story weave|recap|export|end|join|leave inside a story's thread."""
        if thread_id is None or self.store.get_community(thread_story(thread_id)) is None:
            return [Reply(NOT_A_STORY)]
        story = thread_story(thread_id)
        if sub == "join":
            return [Reply(join(self.store, story, user))]
        if sub == "leave":
            return [Reply(leave(self.store, story, user))]
        if sub == "weave":
            return self.weave(story, now)
        if sub == "recap":
            return [Reply(recap(self.store, story))]
        if sub == "export":
            exported = export_story(self.store, story)
            return [Reply("The story so far.", files=(exported,))] if exported else []
        return [Reply(end_story(self.store, story))]

    def vote(self, user: str, pressed: Press) -> list[Reply]:
        """A member's vote: counted, and only they see the answer."""
        return [Reply(toast=cast(self.store, pressed.target, user, int(pressed.value)))]

    def close_votes(self, now: datetime) -> list[Closed]:
        """Close every vote whose window ended, queueing the weave each one decided."""
        closed = []
        for vote, winner in close_due_votes(self.store, now):
            record = self.store.get_community(vote.story)
            if record is None:
                self.store.end_weaving(vote.story)
                continue
            request_id = weave_after_vote(self.ctx.redis, self.ctx.settings, vote, winner)
            text = (f"The members chose: {winner}. Weaving the next part…" if winner else
                    "Nobody voted, so the story finds its own way. Weaving the next part…")
            closed.append(Closed(vote.story, record.channel_id, vote.message_id, text,
                                 request_id))
        return closed
