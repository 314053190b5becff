"""A counselor's clients: the list, one client's view, and asking for an installment."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import CounselorViewer, csrf_guard
from bot.dashboard.state import dash, render
from bot.dashboard.views import client_view, own_client, when
from worker.counsel.guide import TEMPLATES
from worker.ops.queues import enqueue_story
from worker.store.records import StoryRequest

router = APIRouter()


@router.get("/clients")
def clients(request: Request, who: CounselorViewer) -> Response:
    """The counselor's clients with their safety state and waiting reviews."""
    store = dash(request).store
    rows = []
    for link in store.clients_of(who.account.account_id):
        private = store.get_privacy(link.user).private
        pending = 0 if private else sum(h.status == "pending" for h in store.held(link.user))
        rows.append({"link": link, "private": private, "safety": store.get_safety(link.user),
                     "alerts": len(store.user_alerts(link.user)), "pending": pending})
    store.audit(who.actor, "list_clients")
    return render(request, "clients.html", rows=rows)


@router.get("/clients/{ref}")
def client(request: Request, ref: str, who: CounselorViewer) -> Response:
    """One client's timeline, people, arc, installments and alerts (alerts only if private)."""
    store = dash(request).store
    link = own_client(store, who, ref)
    view = client_view(store, link)
    store.audit(who.actor, "view_client_alerts" if view.private else "view_client", ref)
    return render(request, "client.html", view=view, when=when, templates=TEMPLATES)


@router.post("/clients/{ref}/story", dependencies=[Depends(csrf_guard)])
def write_story(request: Request, ref: str, who: CounselorViewer) -> Response:
    """Weave the client's latest answers into an installment now (held for review if on)."""
    state = dash(request)
    link = own_client(state.store, who, ref)
    request_ = StoryRequest(user=link.user, tone=state.store.get_settings(link.user).tone,
                            after_turn=state.store.last_turn_id(link.user))
    enqueue_story(state.store, state.settings, request_)
    state.store.audit(who.actor, "request_installment", ref)
    return RedirectResponse(f"/clients/{ref}", 303)
