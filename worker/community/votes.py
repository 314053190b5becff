"""Members vote on the direction of the next weave, within a time window."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from worker.community.records import Vote
from worker.settings import Settings
from worker.store.store import Store

DIRECTIONS = (
    "A surprise changes everything",
    "An old memory comes back",
    "Someone new arrives",
    "A quiet moment together",
    "A journey begins",
    "A secret comes out",
    "A celebration",
    "A storm, and what it brings",
)
OPTIONS = 3


def directions_for(story: str, number: int, count: int = OPTIONS) -> tuple[str, ...]:
    """A few directions for the next part, different from one part to the next."""
    seed = hashlib.sha256(f"{story}#{number}".encode()).digest()
    return tuple(random.Random(seed).sample(DIRECTIONS, count))


def open_vote(store: Store, settings: Settings, story: str, now: datetime) -> Vote:
    """Offer directions for the story's next part until the window closes."""
    options = directions_for(story, len(store.weaves(story)) + 1)
    vote = Vote(story=story, options=options, opened_at=now,
                closes_at=now + timedelta(seconds=settings.community_vote_seconds))
    store.open_vote(vote)
    return vote


def cast(store: Store, vote_id: str, member: str, option: int) -> str:
    """Record a member's choice; the text to show them."""
    vote = store.get_vote(vote_id)
    if vote is None or not 0 <= option < len(vote.options):
        return "That vote is no longer open."
    if not store.cast_ballot(vote_id, member, option):
        return "That vote has closed."
    writers = {c.author for c in store.contributions(vote.story) if not c.removed}
    if writers and writers <= set(store.ballots(vote_id)):
        store.close_vote_now(vote_id)  # everyone who writes the story has spoken: no waiting
    return f"You voted for: {vote.options[option]}."


def tally(vote: Vote, ballots: dict[str, int]) -> str | None:
    """The winning direction (ties go to the option offered first); None without votes."""
    counts = [0] * len(vote.options)
    for choice in ballots.values():
        if 0 <= choice < len(counts):
            counts[choice] += 1
    if not any(counts):
        return None
    return vote.options[counts.index(max(counts))]


def close_due_votes(store: Store, now: datetime) -> list[tuple[Vote, str | None]]:
    """Close every vote whose window has passed; each goes to exactly one caller."""
    return [(vote, tally(vote, store.ballots(vote.vote_id)))
            for vote in store.take_due_votes(now)]
