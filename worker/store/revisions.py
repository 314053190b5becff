"""Edited messages: a turn's next revision, queued for NLU and applied in place of the last.

An edit keeps the turn's id and sequence number and bumps its revision. The
revision goes on the turns stream like any turn; the NLU worker then replaces
what the previous text contributed to the profile (see ``worker.profile.model``).
Each revision is applied exactly once, with its own processed-marker.
"""

from __future__ import annotations

from datetime import datetime

import redis

from worker.store.profiles import ProfileStore, Update
from worker.store.records import Turn
from worker.store.turns import TurnStore


def revision_marker(turn: Turn) -> str:
    """The processed-marker of a turn's revision (the bare id for the original text)."""
    return turn.turn_id if turn.revision == 0 else f"{turn.turn_id}#r{turn.revision}"


class RevisionStore(TurnStore, ProfileStore):
    """Stores revised turns and applies each revision to the profile once."""

    def revise_turn(
        self, user: str, turn_id: str, text: str, at: datetime, truncated: bool = False
    ) -> Turn | None:
        """Store new text for a turn and queue it for NLU; None if the turn is unknown.

        Unchanged text returns the stored turn as it is, and queues nothing.
        """
        key = self.keys.turn_ids(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    old = self._load(Turn, pipe.hget(key, turn_id), key, user)
                    if old is None or old.text == text:
                        pipe.unwatch()
                        return old
                    new = old.model_copy(update={
                        "text": text, "truncated": truncated, "revision": old.revision + 1,
                        "edited_at": at,
                    })
                    data = self._dump(user, new)
                    pipe.multi()
                    pipe.hset(key, turn_id, data)
                    pipe.xadd(self.keys.turns_stream(self.keys.turn_shard(user)),
                              {"user": user, "turn": data})
                    pipe.execute()
                    return new
                except redis.WatchError:
                    continue

    def apply_revision(self, turn: Turn, group: str, entry_id: str, update: Update) -> bool:
        """Apply one revision of a turn exactly once, atomically with its ack."""
        return self.apply_turn(turn, group, entry_id, update, marker=revision_marker(turn))
