"""Safety alerts: counselors see their clients', admins everyone's; either lifts a pause."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import AnyViewer, Forbidden, Viewer, csrf_guard
from bot.dashboard.state import dash, render
from bot.dashboard.views import may_act_on
from worker.counsel.records import Alert
from worker.store.base import platform_of
from worker.store.records import SafetyState, utcnow
from worker.store.store import Store

router = APIRouter()


def _visible(store: Store, who: Viewer) -> list[Alert]:
    if who.account.role == "admin":
        return store.recent_alerts()
    alerts = [a for link in store.clients_of(who.account.account_id)
              for a in store.user_alerts(link.user)]
    return sorted(alerts, key=lambda a: a.created_at, reverse=True)


def _row(store: Store, alert: Alert) -> dict[str, object]:
    link = store.client_link(alert.user)
    # admins see who by an opaque tag, not the platform's user id
    tag = hashlib.sha256(alert.user.encode()).hexdigest()[:8]
    return {"alert": alert, "ref": link.ref if link and link.status == "active" else None,
            "who": f"{platform_of(alert.user)} user {tag}",
            "paused": store.get_safety(alert.user).paused}


@router.get("/alerts")
def alerts(request: Request, who: AnyViewer) -> Response:
    """Safety alerts, newest first."""
    store = dash(request).store
    rows = [_row(store, a) for a in _visible(store, who)]
    store.audit(who.actor, "view_alerts")
    return render(request, "alerts.html", rows=rows)


def _alert(request: Request, who: Viewer, alert_id: str) -> Alert:
    store = dash(request).store
    alert = store.get_alert(alert_id)
    if alert is None or not may_act_on(store, who, alert.user):
        raise Forbidden("This alert is not about one of your clients.")
    return alert


@router.post("/alerts/{alert_id}/ack", dependencies=[Depends(csrf_guard)])
def acknowledge(request: Request, alert_id: str, who: AnyViewer) -> Response:
    """Mark the alert as seen."""
    alert = _alert(request, who, alert_id)
    store = dash(request).store
    store.acknowledge_alert(alert_id, who.actor)
    link = store.client_link(alert.user)
    store.audit(who.actor, "acknowledge_alert", link.ref if link else None, detail=alert_id)
    return RedirectResponse("/alerts", 303)


@router.post("/alerts/{alert_id}/resume", dependencies=[Depends(csrf_guard)])
def resume(request: Request, alert_id: str, who: AnyViewer,
           level: Annotated[Literal["keep", "low", "none"], Form()] = "keep") -> Response:
    """Lift the story pause; the risk level stays (tone floor on) unless lowered here."""
    alert = _alert(request, who, alert_id)
    store = dash(request).store
    state = store.get_safety(alert.user)
    store.save_safety(alert.user, SafetyState(
        level=state.level if level == "keep" else level, paused=False, updated_at=utcnow()))
    store.acknowledge_alert(alert_id, who.actor)
    link = store.client_link(alert.user)
    store.audit(who.actor, "lift_pause", link.ref if link else None, detail=f"level {level}")
    return RedirectResponse("/alerts", 303)
