"""Community stories: starting one, taking contributions, recap, export and the end."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from worker.community.records import CommunityStory, Contribution
from worker.conversation.intake import clean_text
from worker.counsel.rights import ExportFile
from worker.settings import Settings
from worker.store.records import utcnow
from worker.store.store import Store

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 100
# A contribution is a few lines of a shared story, not a manuscript.
MAX_CONTRIBUTION_CHARS = 1500
RECAP_CHARS = 700
UNTITLED = "Our story"


def community_key(place: str, place_id: str | int) -> str:
    """The key of a community story living in one place, e.g. ``discord-thread:123``."""
    return f"{place}:{place_id}"


def clean_title(raw: str) -> str:
    """A story title: cleaned text on one line, of a sensible length."""
    title = " ".join(clean_text(raw).split())[:MAX_TITLE_CHARS]
    return title or UNTITLED


def start_story(
    store: Store, *, story: str, title: str, platform: str, channel_id: str, started_by: str,
) -> CommunityStory:
    """Open a community story (or return the one already open in that place)."""
    existing = store.get_community(story)
    if existing is not None and existing.ended_at is None:
        return existing
    record = CommunityStory(story=story, title=clean_title(title), platform=platform,
                            channel_id=channel_id, started_by=started_by)
    store.save_community(record)
    logger.info("community story %s started", story)
    return record


def open_story(store: Store, story: str) -> CommunityStory | None:
    """The story if it exists and has not ended."""
    found = store.get_community(story)
    return found if found is not None and found.ended_at is None else None


JOIN_ASK = ("Before I keep your words in this story: what you write here is kept for this "
            "story, shown to its members and woven into it under your name. /forget, in a "
            "private chat with me, removes them at any time. Keep your words? (Then send that "
            "part again: I kept nothing of it.)")
JOINED = "Thank you: from now on I keep your words in this story."
NOT_JOINED = "All right: I keep nothing you write here."
LEFT = "I no longer keep what you write here (what you wrote before stays, credited to you)."


@dataclass(frozen=True)
class Contributed:
    """What happened to one contribution."""

    stored: bool
    waiting: int = 0
    due: bool = False
    notice: str | None = None
    # the member has not agreed that their words are kept here: nothing was stored
    needs_join: bool = False


def join(store: Store, story: str, member: str) -> str:
    """A member agrees that their words are kept in the story (and it remembers them)."""
    store.join_community(story, member)
    logger.info("community story %s: a member agreed to keep their words", story)
    return JOINED


def leave(store: Store, story: str, member: str) -> str:
    """A member's next words are not kept."""
    store.leave_community(story, member)
    return LEFT


def contribute(
    store: Store, settings: Settings, *, story: str, author: str, name: str, text: str,
    message_id: str | None = None, at: datetime | None = None,
) -> Contributed:
    """Keep a member's contribution; say whether it is time to weave."""
    if open_story(store, story) is None:
        return Contributed(stored=False)
    if not store.is_member(story, author):
        return Contributed(stored=False, needs_join=True)
    cleaned = clean_text(text)
    if not cleaned:
        return Contributed(stored=False)
    notice = None
    if len(cleaned) > MAX_CONTRIBUTION_CHARS:
        cleaned = cleaned[:MAX_CONTRIBUTION_CHARS]
        notice = f"That was long: I kept the first {MAX_CONTRIBUTION_CHARS} characters."
    contribution = Contribution(story=story, author=author, name=clean_title(name)[:64],
                                text=cleaned, message_id=message_id, at=at or utcnow())
    waiting = store.add_contribution(contribution)
    every = settings.community_weave_every
    return Contributed(stored=True, waiting=waiting, due=bool(every) and waiting >= every,
                       notice=notice)


def credit_line(names: list[str] | tuple[str, ...]) -> str:
    """'Woven from the words of A, B and C.'"""
    names = list(dict.fromkeys(names))
    if not names:
        return ""
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Woven from the words of {joined}."


def recap(store: Store, story: str) -> str:
    """Where the story stands: its title, parts so far, who wrote, and how it last ended."""
    record = store.get_community(story)
    if record is None:
        return "There is no story here yet. Start one with /story start <title>."
    weaves = store.weaves(story)
    contributions = [c for c in store.contributions(story) if not c.removed]
    names = list(dict.fromkeys(c.name for c in contributions))
    lines = [f"“{record.title}”: {len(weaves)} part(s) so far, "
             f"{len(contributions)} contribution(s)"
             + (f" by {', '.join(names)}." if names else ".")]
    if weaves:
        last = weaves[-1].text
        lines.append("Last time: " + (last if len(last) <= RECAP_CHARS
                                      else "…" + last[-RECAP_CHARS:]))
    waiting = store.contribution_count(story) - record.woven_upto
    if waiting > 0:
        lines.append(f"{waiting} contribution(s) are waiting to be woven.")
    if record.ended_at is not None:
        lines.append("This story has ended.")
    return "\n".join(lines)


def export_story(store: Store, story: str) -> ExportFile | None:
    """The whole story as Markdown: every part with its credits, then every contribution."""
    record = store.get_community(story)
    if record is None:
        return None
    out = [f"# {record.title}", ""]
    for weave in store.weaves(story):
        out += [f"## Part {weave.number}", "", weave.text, ""]
    contributions = [c for c in store.contributions(story) if not c.removed]
    if contributions:
        out += ["## Contributions", ""]
        out += [f"- **{c.name}**: {c.text}" for c in contributions]
    safe = "".join(ch if ch.isalnum() else "-" for ch in record.title.lower()).strip("-")
    return ExportFile(name=f"{safe or 'story'}.md", data="\n".join(out).encode(),
                      mime="text/markdown")


def end_story(store: Store, story: str) -> str:
    """Close the story to new contributions."""
    record = open_story(store, story)
    if record is None:
        return "There is no open story here."
    store.save_community(record.model_copy(update={"ended_at": utcnow()}))
    parts = len(store.weaves(story))
    return (f"“{record.title}” is finished, after {parts} part(s). "
            "Use /story export to keep a copy.")
