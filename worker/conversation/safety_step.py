"""Risk detection on every incoming turn, as one step of the NLU worker.

On a turn that needs it: a caring reply with crisis lines for the user's
locale (instead of the usual reply), the story paused, and an alert for the
counselor in the dashboard and, when they linked a chat, by message. The
alert and the pause are written before the turn commits and are idempotent
per turn; the messages commit with the turn, so each is sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from nlu.safety import RiskAssessment, crisis_reply
from nlu.safety.assessment import LEVELS
from nlu.safety.reply import Resume
from worker.counsel.records import Alert
from worker.ops.logs import who
from worker.store.alerts import alert_id_for
from worker.store.records import Delivery, SafetyState, Turn, utcnow
from worker.store.store import Store

if TYPE_CHECKING:
    from nlu.safety import RiskDetector
    from worker.settings import Settings

logger = logging.getLogger(__name__)

COUNSELOR_ALERT = ("storyloom safety alert: your client {ref} may be at risk (level {level}, "
                   "{what}). Their story is paused. Open {url}/alerts")


def resume_by(store: Store, user: str) -> Resume:
    """Who may lift a crisis pause: the user's active counselor, else the user."""
    link = store.client_link(user)
    return "counselor" if link is not None and link.status == "active" else "self"


@lru_cache(maxsize=1)
def shared_detector() -> RiskDetector:
    """Rules plus the MiniLM backstop, loaded once per process."""
    from nlu.safety import RiskDetector

    return RiskDetector(use_embeddings=True).load()


@dataclass(frozen=True)
class TurnSafety:
    """What the safety step decided for one turn."""

    assessment: RiskAssessment
    reply: str | None = None
    notices: tuple[Delivery, ...] = ()
    # who lifts the pause a crisis reply announces: the user ("self") or their counselor
    resume: Resume | None = None


class SafetyStep:
    """Assesses each batch of turns and acts on risk."""

    def __init__(self, store: Store, default_locale: str = "en-US",
                 dashboard_url: str = "http://127.0.0.1:8080",
                 detector: RiskDetector | None = None) -> None:
        self.store = store
        self.default_locale = default_locale
        self.dashboard_url = dashboard_url.rstrip("/")
        self._detector = detector

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> SafetyStep:
        """A step configured by the process's settings."""
        return cls(store, settings.storyloom_default_locale, settings.storyloom_dashboard_url)

    @property
    def detector(self) -> RiskDetector:
        if self._detector is None:
            self._detector = shared_detector()
        return self._detector

    def load(self) -> SafetyStep:
        """Load the risk model now (at worker start) rather than on the first turn."""
        _ = self.detector
        return self

    def check(self, turns: Sequence[Turn]) -> list[TurnSafety]:
        """Assess a batch of turns in one call and act on each."""
        if not turns:
            return []
        found = self.detector.assess([t.text for t in turns])
        return [self._act(t, a) for t, a in zip(turns, found, strict=True)]

    def _act(self, turn: Turn, risk: RiskAssessment) -> TurnSafety:
        if not risk.flagged:
            return TurnSafety(risk)
        alert = Alert(alert_id=alert_id_for(turn.user, turn.turn_id), user=turn.user,
                      turn_id=turn.turn_id, level=risk.level,
                      categories=tuple(c for c, s in risk.categories.items() if s > 0),
                      matched=tuple(risk.matched), about_someone_else=risk.about_someone_else,
                      paused=risk.needs_crisis_reply)
        if not self.store.user_has_alert(turn.user, alert.alert_id):
            # pause first: a crash before the alert is stored repeats both, never neither
            self._raise_state(turn.user, risk)
            self.store.record_alert(alert)
            # a keyed hash of the user and the alert id only: the turn and the rules it
            # matched are in the alert, where only the user's counselor may read them
            logger.warning("safety alert %s for %s", alert.alert_id, who(turn.user))
        if not risk.needs_crisis_reply:
            return TurnSafety(risk)
        locale = self.store.get_settings(turn.user).locale or self.default_locale
        resume = resume_by(self.store, turn.user)
        return TurnSafety(risk, crisis_reply(risk, locale, resume),
                          self._counselor_notices(alert), resume)

    def _raise_state(self, user: str, risk: RiskAssessment) -> None:
        state = self.store.get_safety(user)
        level = max(state.level, risk.level, key=LEVELS.index)
        self.store.save_safety(user, SafetyState(
            level=level, paused=state.paused or risk.needs_crisis_reply, updated_at=utcnow()))

    def _counselor_notices(self, alert: Alert) -> tuple[Delivery, ...]:
        link = self.store.client_link(alert.user)
        if link is None or link.status != "active":
            return ()
        account = self.store.get_account(link.counselor_id)
        if account is None or account.disabled or not account.chat_user:
            return ()
        what = "about someone else" if alert.about_someone_else else ", ".join(
            c.replace("_", " ") for c in alert.categories)
        text = COUNSELOR_ALERT.format(ref=link.ref, level=alert.level, what=what,
                                      url=self.dashboard_url)
        return (Delivery(user=account.chat_user, kind="notice", text=text),)
