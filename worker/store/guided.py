"""Guided sessions: a counselor's prompts, asked in the chat one after another.

Answering is idempotent on the turn id, so a turn the NLU worker processes
twice (after a crash) advances the session once and gets the same reply.
"""

from __future__ import annotations

import redis

from worker.counsel.records import GuidedSession
from worker.store.deliveries import DeliveryStore
from worker.store.records import Delivery, utcnow


class GuidedStore(DeliveryStore):
    """Stores a user's guided session and moves it along."""

    def guided(self, user: str) -> GuidedSession | None:
        """The user's current or last guided session."""
        key = self.keys.guided_session(user)
        return self._load(GuidedSession, self.redis.get(key), key, user)

    def start_guided(self, session: GuidedSession, first_message: str) -> None:
        """Store a new session, hold installments if it reviews them, and ask the first prompt."""
        user = session.user
        with self.redis.pipeline() as pipe:
            pipe.set(self.keys.guided_session(user), self._dump(user, session))
            if session.review:
                pipe.set(self.keys.review_hold(user), "1")
            else:
                pipe.delete(self.keys.review_hold(user))
            self._queue_delivery(pipe, Delivery(user=user, kind="reply", text=first_message))
            pipe.execute()

    def record_guided_answer(self, user: str, turn_id: str) -> tuple[GuidedSession, int] | None:
        """Count a turn as the answer to the open prompt: (session, index answered).

        None when no session is asking. A turn already counted returns its index again.
        """
        key = self.keys.guided_session(user)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    session = self.guided(user)
                    if session is not None and turn_id in session.answers:
                        pipe.unwatch()
                        return session, session.answers.index(turn_id)
                    if session is None or session.status != "asking":
                        pipe.unwatch()
                        return None
                    answers = (*session.answers, turn_id)
                    done = len(answers) >= len(session.prompts)
                    session = session.model_copy(update={
                        "answers": answers, "status": "answered" if done else "asking"})
                    pipe.multi()
                    pipe.set(key, self._dump(user, session))
                    pipe.execute()
                    return session, len(answers) - 1
                except redis.WatchError:
                    continue

    def end_guided(self, user: str) -> GuidedSession | None:
        """End the user's session and its review hold (held items stay for a decision)."""
        session = self.guided(user)
        with self.redis.pipeline() as pipe:
            pipe.delete(self.keys.review_hold(user))
            if session is not None and session.status != "ended":
                session = session.model_copy(update={"status": "ended", "ended_at": utcnow()})
                pipe.set(self.keys.guided_session(user), self._dump(user, session))
            pipe.execute()
        return session
