"""Story state beside the installments: chapters and steering, the live progress
of an installment being written, and the records training learns from.
"""

from __future__ import annotations

from worker.store.base import StoreBase
from worker.store.records import PreferencePair, StoryFeedback, StoryProgress, StoryState

# A progress stream is only read while its installment is written.
PROGRESS_TTL_S = 900
PROGRESS_LEN = 2000


class StoryStateStore(StoreBase):
    """Reads and writes story state, progress streams and training records."""

    def get_story_state(self, user: str) -> StoryState:
        """The user's story state (no chapters, no steering, when never set)."""
        key = self.keys.story_state(user)
        return self._load(StoryState, self.redis.get(key), key, user) or StoryState()

    def save_story_state(self, user: str, state: StoryState) -> None:
        """Store the user's story state."""
        self.redis.set(self.keys.story_state(user), self._dump(user, state))

    def push_progress(self, user: str, progress: StoryProgress) -> None:
        """Publish the text so far of the draft being shown live."""
        key = self.keys.story_progress(user, progress.request_id)
        with self.redis.pipeline() as pipe:
            pipe.xadd(key, {"progress": self._dump(user, progress)}, maxlen=PROGRESS_LEN)
            pipe.expire(key, PROGRESS_TTL_S)
            pipe.execute()

    def read_progress(
        self, user: str, request_id: str, after: str, block_ms: int
    ) -> list[tuple[str, StoryProgress]]:
        """(entry id, progress) published after the entry id `after` ('0-0' for all)."""
        key = self.keys.story_progress(user, request_id)
        reply = self.redis.xread({key: after}, count=500, block=block_ms or None)
        out: list[tuple[str, StoryProgress]] = []
        for _stream, entries in reply or []:
            for entry_id, fields in entries:
                found = self._load(StoryProgress, fields.get(b"progress"), key, user)
                if found is not None:
                    out.append((entry_id.decode(), found))
        return out

    def end_progress(self, user: str, request_id: str) -> None:
        """Drop a progress stream once its installment is delivered."""
        self.redis.delete(self.keys.story_progress(user, request_id))

    def add_preference_pair(self, pair: PreferencePair) -> None:
        """Keep two versions of an installment, one preferred, for training."""
        self.redis.rpush(self.keys.preference_pairs(pair.user), self._dump(pair.user, pair))

    def preference_pairs(self, user: str) -> list[PreferencePair]:
        """The user's preference pairs, oldest first."""
        key = self.keys.preference_pairs(user)
        raws = self.redis.lrange(key, 0, -1)
        found = [self._load(PreferencePair, raw, key, user) for raw in raws]
        return [p for p in found if p is not None]

    def add_feedback(self, feedback: StoryFeedback) -> None:
        """Keep what the user did with an installment, for training."""
        key = self.keys.story_feedback(feedback.user)
        self.redis.rpush(key, self._dump(feedback.user, feedback))

    def story_feedback(self, user: str) -> list[StoryFeedback]:
        """The user's feedback on installments, oldest first."""
        key = self.keys.story_feedback(user)
        raws = self.redis.lrange(key, 0, -1)
        found = [self._load(StoryFeedback, raw, key, user) for raw in raws]
        return [f for f in found if f is not None]
