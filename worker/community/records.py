"""Records of community stories: the story, its contributions, weaves and votes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from worker.store.records import GenerationStats, Record, new_id, utcnow


class CommunityStory(Record):
    """A story written together in one place (a Discord thread, a Telegram group)."""

    story: str
    title: str
    platform: str
    channel_id: str
    started_by: str
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    # Contributions before this index have been woven into an installment.
    woven_upto: int = Field(default=0, ge=0)


class Contribution(Record):
    """What one member wrote for the story, credited by the name they go by there."""

    contribution_id: str = Field(default_factory=new_id)
    story: str
    author: str
    name: str
    text: str
    message_id: str | None = None
    at: datetime = Field(default_factory=utcnow)
    removed: bool = False


class Weave(Record):
    """One installment woven from members' contributions."""

    weave_id: str = Field(default_factory=new_id)
    story: str
    request_id: str
    number: int = Field(ge=1)
    text: str
    credits: tuple[str, ...] = ()
    contribution_ids: tuple[str, ...] = ()
    upto: int = Field(ge=0)
    direction: str | None = None
    # Members whose private memories were used, each because they turned /share on.
    shared_from: tuple[str, ...] = ()
    stats: GenerationStats
    created_at: datetime = Field(default_factory=utcnow)


class Vote(Record):
    """Members choosing the direction of the next weave, open until closes_at."""

    vote_id: str = Field(default_factory=new_id)
    story: str
    options: tuple[str, ...]
    opened_at: datetime = Field(default_factory=utcnow)
    closes_at: datetime
    message_id: str | None = None


class WeaveRequest(Record):
    """The payload of one community weave job on the generate queue."""

    request_id: str = Field(default_factory=new_id)
    story: str
    direction: str | None = None
    requested_at: datetime = Field(default_factory=utcnow)
