"""Safety alerts for counselors and admins (the audit log is in worker.store.audit).

An alert names the risk level, categories and rule ids of one turn, never its
words.
"""

from __future__ import annotations

import hashlib

from worker.counsel.records import Alert
from worker.store.base import StoreBase
from worker.store.records import utcnow


def alert_id_for(user: str, turn_id: str) -> str:
    """One alert per turn: the same turn seen twice makes the same id."""
    return hashlib.sha256(f"{user}\n{turn_id}".encode()).hexdigest()[:24]


class AlertStore(StoreBase):
    """Records alerts once per turn and lists them."""

    def record_alert(self, alert: Alert) -> bool:
        """Store an alert; False when this turn's alert already exists."""
        user = alert.user
        added = self.redis.hsetnx(self.keys.user_alerts(user), alert.alert_id,
                                  self._dump(user, alert))
        # the index is written every time, so a crash between the two writes heals
        with self.redis.pipeline() as pipe:
            pipe.hset(self.keys.alert_users(), alert.alert_id, user)
            pipe.zadd(self.keys.alerts(), {alert.alert_id: alert.created_at.timestamp()},
                      nx=True)
            pipe.execute()
        return bool(added)

    def user_has_alert(self, user: str, alert_id: str) -> bool:
        """True when this alert is stored for the user."""
        return bool(self.redis.hexists(self.keys.user_alerts(user), alert_id))

    def get_alert(self, alert_id: str) -> Alert | None:
        """One alert by id."""
        raw = self.redis.hget(self.keys.alert_users(), alert_id)
        if raw is None:
            return None
        user = raw.decode()
        key = self.keys.user_alerts(user)
        return self._load(Alert, self.redis.hget(key, alert_id), key, user)

    def user_alerts(self, user: str) -> list[Alert]:
        """One user's alerts, newest first."""
        key = self.keys.user_alerts(user)
        found = (self._load(Alert, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((a for a in found if a is not None), key=lambda a: a.created_at,
                      reverse=True)

    def recent_alerts(self, limit: int = 200) -> list[Alert]:
        """The newest alerts of every user (for admins)."""
        ids = [i.decode() for i in self.redis.zrevrange(self.keys.alerts(), 0, limit - 1)]
        found = (self.get_alert(i) for i in ids)
        return [a for a in found if a is not None]

    def acknowledge_alert(self, alert_id: str, actor: str) -> Alert | None:
        """Mark an alert as seen by an account."""
        alert = self.get_alert(alert_id)
        if alert is None:
            return None
        if alert.acknowledged_by is None:
            alert = alert.model_copy(update={"acknowledged_by": actor,
                                             "acknowledged_at": utcnow()})
            self.redis.hset(self.keys.user_alerts(alert.user), alert_id,
                            self._dump(alert.user, alert))
        return alert
