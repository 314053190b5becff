"""Invite codes: how a counselor offers a link that the client accepts in chat."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.dashboard.security import CounselorViewer, csrf_guard
from bot.dashboard.state import dash, render

router = APIRouter()


@router.get("/invites")
def invites(request: Request, who: CounselorViewer) -> Response:
    """How inviting works, and a button to make a code."""
    return render(request, "invites.html", invite=None)


@router.post("/invites", dependencies=[Depends(csrf_guard)])
def new_invite(request: Request, who: CounselorViewer) -> Response:
    """A fresh one-time code, shown once."""
    state = dash(request)
    invite = state.store.issue_invite(who.account.account_id,
                                      state.settings.storyloom_invite_hours)
    state.store.audit(who.actor, "issue_invite")
    return render(request, "invites.html", invite=invite)
