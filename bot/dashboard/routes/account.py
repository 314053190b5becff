"""The viewer's own account: who they are, their password, and linking their chat."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from bot.dashboard.routes.auth import MAX_FIELD, TOO_MANY, over_limit
from bot.dashboard.routes.password import password_problem
from bot.dashboard.security import (
    SESSION_COOKIE,
    AnyViewer,
    Viewer,
    check_password,
    client_address,
    csrf_guard,
    hash_password,
    hashing_slot,
    set_cookie,
)
from bot.dashboard.state import dash, render
from worker.store.records import utcnow

router = APIRouter()
CHAT_CODE_TTL_S = 15 * 60


@router.get("/account")
def account(request: Request, who: AnyViewer) -> Response:
    """The account page."""
    dash(request).store.audit(who.actor, "view_account")
    return render(request, "account.html", code=None, message=None, error=None)


@router.post("/account/chat-code", dependencies=[Depends(csrf_guard)])
def chat_code(request: Request, who: AnyViewer) -> Response:
    """A code to send from the counselor's own chat (/alerts CODE)."""
    store = dash(request).store
    code = store.issue_chat_code(who.account.account_id, CHAT_CODE_TTL_S)
    store.audit(who.actor, "issue_chat_code")
    return render(request, "account.html", code=code, message=None, error=None)


@router.post("/account/password", dependencies=[Depends(csrf_guard)])
def change_password(request: Request, who: AnyViewer,
                    current: Annotated[str, Form(max_length=MAX_FIELD)],
                    password: Annotated[str, Form(max_length=MAX_FIELD)],
                    again: Annotated[str, Form(max_length=MAX_FIELD)]) -> Response:
    """A new password (the current one first); every other session of the account ends."""
    state = dash(request)
    store, settings = state.store, state.settings
    counted = f"{who.account.email}|{client_address(request)}"
    if over_limit(request, counted, who.actor, "change password"):
        return render(request, "account.html", 429, code=None, message=None, error=TOO_MANY)
    with hashing_slot(request):
        ok = check_password(who.account, current)
    problem = None if ok else "Your current password is wrong."
    problem = problem or password_problem(password, again)
    if problem:
        store.audit(who.actor, "change_password_failed")
        return render(request, "account.html", 400, code=None, message=None, error=problem)
    with hashing_slot(request):
        hashed = hash_password(password)
    store.save_account(who.account.model_copy(update={"password_hash": hashed,
                                                      "sessions_after": utcnow()}))
    store.clear_login_failures(counted)
    store.close_web_session(who.token)
    token, session = store.open_web_session(who.actor, settings.storyloom_session_hours)
    store.audit(who.actor, "change_password")
    request.state.viewer = Viewer(account=who.account, session=session, token=token)
    response = render(request, "account.html", code=None, error=None,
                      message="Your password is changed. Other browsers are logged out.")
    set_cookie(request, response, SESSION_COOKIE, token,
               max_age=int(settings.storyloom_session_hours * 3600))
    return response
