"""The viewer's own account: who they are, and linking their chat for alert messages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.dashboard.security import AnyViewer, csrf_guard
from bot.dashboard.state import dash, render

router = APIRouter()
CHAT_CODE_TTL_S = 15 * 60


@router.get("/account")
def account(request: Request, who: AnyViewer) -> Response:
    """The account page."""
    return render(request, "account.html", code=None)


@router.post("/account/chat-code", dependencies=[Depends(csrf_guard)])
def chat_code(request: Request, who: AnyViewer) -> Response:
    """A code to send from the counselor's own chat (/alerts CODE)."""
    store = dash(request).store
    code = store.issue_chat_code(who.account.account_id, CHAT_CODE_TTL_S)
    store.audit(who.actor, "issue_chat_code")
    return render(request, "account.html", code=code)
