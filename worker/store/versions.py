"""Versions of a part of the story: every /retry and /edit keeps the one it replaced, and
the user can put any of them back. The story list holds the chosen one; the book, the
family page and the fine-tune read the story list, so they follow the choice."""

from __future__ import annotations

from collections.abc import Sequence

import redis

from worker.store.records import Installment, PreferencePair, StoryFeedback
from worker.store.story import StoryStore

Records = Sequence[PreferencePair | StoryFeedback]


class VersionStore(StoryStore):
    """Reads a part's versions; replaces any part; puts an earlier version back."""

    def part_at(self, user: str, number: int) -> tuple[int, Installment] | None:
        """(position in the story, installment) of part `number` as the story has it now."""
        ids = [i.decode() for i in self.redis.lrange(self.keys.installments(user), 0, -1)]
        if 1 <= number <= len(ids):  # parts are numbered in story order
            found = self.get_installment(user, ids[number - 1])
            if found is not None and found.number == number:
                return number - 1, found
        for position, inst_id in enumerate(ids):  # numbering drifted (old records): look
            found = self.get_installment(user, inst_id)
            if found is not None and found.number == number:
                return position, found
        return None

    def versions(self, user: str, installment_id: str) -> list[Installment]:
        """Every version of the part this installment belongs to, oldest first."""
        raw = self.redis.hget(self.keys.version_roots(user), installment_id)
        root = raw.decode() if raw else installment_id
        ids = [i.decode() for i in self.redis.lrange(self.keys.part_versions(user, root), 0, -1)]
        if ids:
            found = (self.get_installment(user, i) for i in ids)
            return [i for i in found if i is not None]
        chain: list[Installment] = []  # written before versions were listed: follow `replaces`
        current = self.get_installment(user, installment_id)
        while current is not None and len(chain) < 100:
            chain.insert(0, current)
            current = self.get_installment(user, current.replaces) if current.replaces else None
        return chain

    def replace_part(self, user: str, position: int, expected: str, new: Installment,
                     records: Records = ()) -> bool:
        """Put `new` at a position of the story if `expected` is still there (an /edit N)."""
        story = self.keys.installments(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(story)
                    here = pipe.lindex(story, position)
                    if here is None or here.decode() != expected:
                        pipe.unwatch()
                        return False
                    root = self._version_root(pipe, user, expected)
                    pipe.multi()
                    pipe.set(self.keys.request_result(new.request_id), new.installment_id)
                    pipe.set(self.keys.installment(user, new.installment_id), self._dump(user, new))
                    pipe.lset(story, position, new.installment_id)
                    self._note_version(pipe, user, root, expected, new.installment_id)
                    self._add_records(pipe, user, records)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def choose_version(self, user: str, position: int, current: str, chosen: str,
                       records: Records = ()) -> bool:
        """Show an earlier (or later) version of a part again, if `current` is still shown."""
        story = self.keys.installments(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(story)
                    here = pipe.lindex(story, position)
                    if here is None or here.decode() != current:
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    pipe.lset(story, position, chosen)
                    self._add_records(pipe, user, records)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def _add_records(self, pipe: redis.client.Pipeline, user: str, records: Records) -> None:
        for record in records:
            key = (self.keys.preference_pairs(user) if isinstance(record, PreferencePair)
                   else self.keys.story_feedback(user))
            pipe.rpush(key, self._dump(user, record))
