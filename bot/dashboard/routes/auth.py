"""Logging in (password, then the second factor) and out, and the front page.

Every attempt is counted before it is checked, per account and client address, so
parallel guesses cannot overtake the limit; only a full login (password and code)
clears the count. Failed and throttled attempts go to the audit log.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import (
    LOGIN_CSRF_COOKIE,
    PENDING_COOKIE,
    SESSION_COOKIE,
    AnyViewer,
    LoginRequired,
    check_password,
    client_address,
    csrf_guard,
    drop_cookie,
    hash_password,
    hashing_slot,
    login_csrf_guard,
    needs_rehash,
    set_cookie,
    viewer,
)
from bot.dashboard.state import dash, render
from bot.dashboard.twofactor import new_secret
from worker.counsel.records import Account, PendingLogin
from worker.store.accounts import normalise_email
from worker.store.records import utcnow

logger = logging.getLogger(__name__)
router = APIRouter()
MAX_FIELD = 1024
# Time to open the authenticator app and type a code (or to enrol one).
PENDING_S = 600


def safe_next(target: str) -> str:
    """Only paths on this site (no //host, no scheme) are followed after login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def home(who: AnyViewer) -> Response:
    """Counselors start at their clients, admins at the alerts."""
    return RedirectResponse("/clients" if who.account.role == "counselor" else "/alerts", 303)


def login_form(request: Request, template: str, status: int = 200,
               **context: object) -> Response:
    """A page with a login-stage form and a fresh double-submit token."""
    token = secrets.token_urlsafe(32)
    response = render(request, template, status, login_csrf=token, **context)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The login form."""
    try:
        viewer(request)
        return RedirectResponse(safe_next(next), 303)
    except LoginRequired:
        pass
    return login_form(request, "login.html", next=safe_next(next), error=None)


def over_limit(request: Request, who: str, actor: str, stage: str) -> bool:
    """Count this attempt first; True (and audited) when it is over the limit."""
    state = dash(request)
    count = state.store.count_login_attempt(who, state.settings.storyloom_login_window_seconds)
    if count <= state.settings.storyloom_login_max_failures:
        return False
    logger.warning("login throttled for an account from %s", client_address(request))
    state.store.audit(actor, "login_throttled", detail=f"{stage}, from {client_address(request)}")
    return True


def audit_failure(request: Request, actor: str, stage: str) -> None:
    """A failed login in the audit log: which account (if it exists), which stage, where from."""
    dash(request).store.audit(actor, "login_failed",
                              detail=f"{stage}, from {client_address(request)}")


TOO_MANY = "Too many failed attempts. Wait a while and try again."


@router.post("/login", dependencies=[Depends(login_csrf_guard)])
def login(request: Request, email: Annotated[str, Form(max_length=MAX_FIELD)],
          password: Annotated[str, Form(max_length=MAX_FIELD)],
          next: Annotated[str, Form(max_length=MAX_FIELD)] = "/") -> Response:
    """Check the password; then ask for the second factor (or its enrolment)."""
    store = dash(request).store
    who = f"{normalise_email(email)}|{client_address(request)}"
    account = store.account_by_email(email)
    actor = account.account_id if account else "unknown"
    if over_limit(request, who, actor, "password"):
        return login_form(request, "login.html", 429, next=safe_next(next), error=TOO_MANY)
    with hashing_slot(request):
        ok = check_password(account, password)
    if not ok or account is None or account.disabled:
        audit_failure(request, actor, "password")
        return login_form(request, "login.html", 401, next=safe_next(next),
                          error="Wrong email or password.")
    if needs_rehash(account):
        with hashing_slot(request):
            account = account.model_copy(update={"password_hash": hash_password(password)})
        store.save_account(account)
    return second_factor(request, account, who, safe_next(next))


def second_factor(request: Request, account: Account, who: str, next_: str) -> Response:
    """The password matched: a half-done login that waits for a code (or an enrolment)."""
    store = dash(request).store
    pending = PendingLogin(account_id=account.account_id, who=who, next=next_,
                           enrol_secret=None if account.totp_secret else new_secret(),
                           expires_at=utcnow() + timedelta(seconds=PENDING_S))
    token = store.open_pending_login(pending)
    response = RedirectResponse("/login/enrol" if pending.enrol_secret else "/login/code", 303)
    set_cookie(request, response, PENDING_COOKIE, token, max_age=PENDING_S)
    return response


def code_counter(pending: PendingLogin) -> str:
    """Codes are counted apart from passwords (one limit each), for the same account and
    address: a right password does not reset the count of wrong codes."""
    return f"{pending.who}|code"


def finish_login(request: Request, pending: PendingLogin) -> Response:
    """Both factors passed: the session opens and the attempt counts are cleared."""
    state = dash(request)
    state.store.clear_login_failures(pending.who)
    state.store.clear_login_failures(code_counter(pending))
    token = request.cookies.get(PENDING_COOKIE)
    if token:
        state.store.close_pending_login(token)
    session_token, _ = state.store.open_web_session(pending.account_id,
                                                    state.settings.storyloom_session_hours)
    state.store.audit(pending.account_id, "login")
    response = RedirectResponse(safe_next(pending.next), 303)
    set_cookie(request, response, SESSION_COOKIE, session_token,
               max_age=int(state.settings.storyloom_session_hours * 3600))
    drop_cookie(request, response, LOGIN_CSRF_COOKIE)
    drop_cookie(request, response, PENDING_COOKIE)
    return response


@router.post("/logout", dependencies=[Depends(csrf_guard)])
def logout(request: Request, who: AnyViewer) -> Response:
    """End the session."""
    dash(request).store.close_web_session(who.token)
    dash(request).store.audit(who.actor, "logout")
    response = RedirectResponse("/login", 303)
    drop_cookie(request, response, SESSION_COOKIE)
    return response
