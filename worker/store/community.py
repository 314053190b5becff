"""Community stories: the story record, contributions, weaves and direction votes.

A community story is addressed like a user (``discord-thread:<id>``), so its
installments travel on the same delivery streams as a person's.
"""

from __future__ import annotations

from datetime import datetime

import redis

from worker.community.records import CommunityStory, Contribution, Vote, Weave
from worker.store.deliveries import DeliveryStore
from worker.store.records import Delivery


class CommunityStore(DeliveryStore):
    """Reads and writes community stories."""

    def save_community(self, story: CommunityStory) -> None:
        """Create or overwrite a community story."""
        with self.redis.pipeline() as pipe:
            pipe.set(self.keys.community(story.story), self._dump(story.story, story))
            pipe.sadd(self.keys.communities(), story.story)
            pipe.execute()

    def get_community(self, story: str) -> CommunityStory | None:
        """A community story by key."""
        key = self.keys.community(story)
        return self._load(CommunityStory, self.redis.get(key), key, story)

    def community_stories(self) -> list[str]:
        """Every community story key."""
        return sorted(k.decode() for k in self.redis.smembers(self.keys.communities()))

    def add_contribution(self, contribution: Contribution) -> int:
        """Append a contribution; returns how many are waiting to be woven."""
        story = self.get_community(contribution.story)
        woven = story.woven_upto if story else 0
        with self.redis.pipeline() as pipe:
            pipe.rpush(self.keys.community_contributions(contribution.story),
                       self._dump(contribution.story, contribution))
            pipe.sadd(self.keys.user_communities(contribution.author), contribution.story)
            length, _ = pipe.execute()
        return int(length) - woven

    def contributions(self, story: str, start: int = 0) -> list[Contribution]:
        """The story's contributions from index `start` on (removed ones included)."""
        key = self.keys.community_contributions(story)
        loaded = (self._load(Contribution, raw, key, story)
                  for raw in self.redis.lrange(key, start, -1))
        return [c for c in loaded if c is not None]

    def contribution_count(self, story: str) -> int:
        """How many contributions the story has had."""
        return int(self.redis.llen(self.keys.community_contributions(story)))

    def weaves(self, story: str) -> list[Weave]:
        """The story's installments in order."""
        key = self.keys.community_weaves(story)
        loaded = (self._load(Weave, raw, key, story) for raw in self.redis.lrange(key, 0, -1))
        return [w for w in loaded if w is not None]

    def save_weave(self, weave: Weave, delivery: Delivery) -> bool:
        """Store a weave, move the story past its contributions and deliver it, once."""
        keys, story_key = self.keys, weave.story
        done_key = keys.request_result(weave.request_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(done_key, keys.community(story_key))
                    story = self.get_community(story_key)
                    if pipe.exists(done_key) or story is None:
                        pipe.unwatch()
                        return False
                    moved = story.model_copy(update={"woven_upto": max(story.woven_upto,
                                                                       weave.upto)})
                    pipe.multi()
                    pipe.set(done_key, weave.weave_id)
                    pipe.rpush(keys.community_weaves(story_key), self._dump(story_key, weave))
                    pipe.set(keys.community(story_key), self._dump(story_key, moved))
                    pipe.delete(keys.community_weaving(story_key))
                    self._queue_delivery(pipe, delivery)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    # -- one vote or weave at a time per story -------------------------------------------------
    def try_begin_weaving(self, story: str, ttl_s: int) -> bool:
        """Claim the story for a vote-then-weave; False while one is already under way."""
        return bool(self.redis.set(self.keys.community_weaving(story), "1", nx=True, ex=ttl_s))

    def end_weaving(self, story: str) -> None:
        """Release the story (a weave failed or was called off)."""
        self.redis.delete(self.keys.community_weaving(story))

    # -- votes ---------------------------------------------------------------------------------
    def open_vote(self, vote: Vote) -> None:
        """Store a vote and schedule its closing."""
        with self.redis.pipeline() as pipe:
            pipe.hset(self.keys.vote(vote.vote_id),
                      mapping={"story": vote.story, "record": self._dump(vote.story, vote)})
            pipe.zadd(self.keys.votes_due(), {vote.vote_id: vote.closes_at.timestamp()})
            pipe.execute()

    def get_vote(self, vote_id: str) -> Vote | None:
        """A vote by id."""
        key = self.keys.vote(vote_id)
        story, raw = self.redis.hmget(key, ["story", "record"])
        if story is None or raw is None:
            return None
        # The record is sealed under its story's key; the story id beside it says which.
        return self._load(Vote, raw, key, story.decode())

    def set_vote_message(self, vote_id: str, message_id: str) -> None:
        """Remember which message carries the vote's buttons."""
        vote = self.get_vote(vote_id)
        if vote is not None:
            updated = vote.model_copy(update={"message_id": message_id})
            self.redis.hset(self.keys.vote(vote_id), "record", self._dump(vote.story, updated))

    def cast_ballot(self, vote_id: str, member: str, option: int) -> bool:
        """Record (or change) a member's choice; False when the vote is closed or unknown."""
        if self.redis.zscore(self.keys.votes_due(), vote_id) is None:
            return False
        self.redis.hset(self.keys.vote_ballots(vote_id), member, str(option))
        return True

    def close_vote_now(self, vote_id: str) -> None:
        """Make an open vote due at once (a no-op once it is closed)."""
        self.redis.zadd(self.keys.votes_due(), {vote_id: 0}, xx=True)

    def ballots(self, vote_id: str) -> dict[str, int]:
        """member -> chosen option index."""
        raw = self.redis.hgetall(self.keys.vote_ballots(vote_id))
        return {k.decode(): int(v) for k, v in raw.items()}

    def take_due_votes(self, now: datetime) -> list[Vote]:
        """Votes whose window has closed, each handed to exactly one caller."""
        due = self.redis.zrangebyscore(self.keys.votes_due(), "-inf", now.timestamp())
        taken: list[Vote] = []
        for raw_id in due:
            if self.redis.zrem(self.keys.votes_due(), raw_id) != 1:
                continue
            vote = self.get_vote(raw_id.decode())
            if vote is not None:
                taken.append(vote)
        return taken

    def member_contributions(self, user: str) -> list[Contribution]:
        """Everything a member wrote in any community story (for their export)."""
        out: list[Contribution] = []
        for raw in sorted(self.redis.smembers(self.keys.user_communities(user))):
            out += [c for c in self.contributions(raw.decode())
                    if c.author == user and not c.removed]
        return out

    # -- members: nobody's words are kept before they agree ------------------------------------
    def join_community(self, story: str, member: str) -> None:
        """The member agreed that their words are kept in the story."""
        with self.redis.pipeline() as pipe:
            pipe.sadd(self.keys.community_members(story), member)
            pipe.sadd(self.keys.user_communities(member), story)
            pipe.execute()

    def leave_community(self, story: str, member: str) -> None:
        """The member's next words are no longer kept (what they wrote stays, credited)."""
        self.redis.srem(self.keys.community_members(story), member)

    def is_member(self, story: str, member: str) -> bool:
        """True once the member agreed to the story keeping their words."""
        return bool(self.redis.sismember(self.keys.community_members(story), member))

    # -- erasure -------------------------------------------------------------------------------
    def remove_member_contributions(self, user: str) -> int:
        """Blank a member's contributions in every community story; returns how many.

        Positions are the raw list's: an entry that does not load (dead-lettered) still
        holds its place, so the blank lands on the member's own entry, never a neighbour's."""
        removed = 0
        for raw in self.redis.smembers(self.keys.user_communities(user)):
            story = raw.decode()
            key = self.keys.community_contributions(story)
            self.redis.srem(self.keys.community_members(story), user)
            for index, entry in enumerate(self.redis.lrange(key, 0, -1)):
                item = self._load(Contribution, entry, key, story)
                if item is None or item.author != user or item.removed:
                    continue
                blank = item.model_copy(update={"text": "", "name": "someone", "author": "",
                                                "message_id": None, "removed": True})
                self.redis.lset(key, index, self._dump(story, blank))
                removed += 1
        return removed
