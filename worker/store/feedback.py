"""Feedback: every button press under an installment, kept per user."""

from __future__ import annotations

from worker.store.base import StoreBase
from worker.store.records import Feedback

# A person presses a few buttons per installment; this bounds a runaway client.
MAX_FEEDBACK = 10_000


class FeedbackStore(StoreBase):
    """Appends and reads a user's feedback on their installments."""

    def record_feedback(self, feedback: Feedback) -> None:
        """Keep one press (newest last)."""
        key = self.keys.feedback(feedback.user)
        with self.redis.pipeline() as pipe:
            pipe.rpush(key, self._dump(feedback.user, feedback))
            pipe.ltrim(key, -MAX_FEEDBACK, -1)
            pipe.execute()

    def feedback(self, user: str) -> list[Feedback]:
        """The user's feedback, oldest first."""
        key = self.keys.feedback(user)
        loaded = (self._load(Feedback, raw, key, user) for raw in self.redis.lrange(key, 0, -1))
        return [f for f in loaded if f is not None]
