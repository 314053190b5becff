"""Guided sessions: a counselor starts a plan for a client, or ends it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import CounselorViewer, csrf_guard
from bot.dashboard.state import dash, render
from bot.dashboard.views import own_client
from worker.counsel.guide import opening_message, plan_session

router = APIRouter()


@router.post("/clients/{ref}/sessions", dependencies=[Depends(csrf_guard)])
def start_session(
    request: Request, ref: str, who: CounselorViewer,
    template: Annotated[str, Form(max_length=64)],
    prompts: Annotated[str, Form(max_length=20_000)] = "",
    review: Annotated[str | None, Form(max_length=8)] = None,
) -> Response:
    """Start a plan: its first prompt goes to the client's chat at once."""
    store = dash(request).store
    link = own_client(store, who, ref)
    current = store.guided(link.user)
    if current is not None and current.status != "ended":
        return render(request, "error.html", 409, title="A session is running",
                      message="End the current session before starting another.")
    # a private client's counselor cannot read installments, so none is held for them
    held = review is not None and not store.get_privacy(link.user).private
    try:
        session = plan_session(link.user, who.account.account_id, template, prompts, held)
    except ValueError as exc:
        return render(request, "error.html", 400, title="That plan can't start",
                      message=str(exc))
    store.start_guided(session, opening_message(session))
    store.audit(who.actor, "start_session", ref, detail=template)
    return RedirectResponse(f"/clients/{ref}", 303)


@router.post("/clients/{ref}/sessions/end", dependencies=[Depends(csrf_guard)])
def end_session(request: Request, ref: str, who: CounselorViewer) -> Response:
    """End the session: installments stop waiting for review (held ones stay to decide)."""
    store = dash(request).store
    link = own_client(store, who, ref)
    store.end_guided(link.user)
    store.audit(who.actor, "end_session", ref)
    return RedirectResponse(f"/clients/{ref}", 303)
