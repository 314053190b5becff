"""Logging in and out, and the front page."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    AnyViewer,
    LoginRequired,
    check_password,
    client_address,
    csrf_guard,
    drop_cookie,
    hash_password,
    login_csrf_guard,
    needs_rehash,
    set_cookie,
    viewer,
)
from bot.dashboard.state import dash, render
from worker.store.accounts import normalise_email

logger = logging.getLogger(__name__)
router = APIRouter()
MAX_FIELD = 1024


def _safe_next(target: str) -> str:
    """Only paths on this site (no //host, no scheme) are followed after login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/")
def home(who: AnyViewer) -> Response:
    """Counselors start at their clients, admins at the alerts."""
    return RedirectResponse("/clients" if who.account.role == "counselor" else "/alerts", 303)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The login form (with a fresh double-submit token)."""
    try:
        viewer(request)
        return RedirectResponse(_safe_next(next), 303)
    except LoginRequired:
        pass
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", login_csrf=token, next=_safe_next(next), error=None)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


def _refuse(request: Request, message: str, status: int, next_: str) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", status, login_csrf=token, next=next_, error=message)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/login", dependencies=[Depends(login_csrf_guard)])
def login(request: Request, email: Annotated[str, Form(max_length=MAX_FIELD)],
          password: Annotated[str, Form(max_length=MAX_FIELD)],
          next: Annotated[str, Form(max_length=MAX_FIELD)] = "/") -> Response:
    """Check the password, throttled per account and address; open a session."""
    state = dash(request)
    settings, store = state.settings, state.store
    who = f"{normalise_email(email)}|{client_address(request)}"
    if store.login_failures(who) >= settings.storyloom_login_max_failures:
        logger.warning("login throttled for an account from %s", client_address(request))
        return _refuse(request, "Too many failed attempts. Wait a while and try again.", 429,
                       _safe_next(next))
    account = store.account_by_email(email)
    if not check_password(account, password) or account is None or account.disabled:
        store.note_login_failure(who, settings.storyloom_login_window_seconds)
        return _refuse(request, "Wrong email or password.", 401, _safe_next(next))
    store.clear_login_failures(who)
    if needs_rehash(account):
        store.save_account(account.model_copy(update={"password_hash": hash_password(password)}))
    token, _ = store.open_web_session(account.account_id, settings.storyloom_session_hours)
    store.audit(account.account_id, "login")
    response = RedirectResponse(_safe_next(next), 303)
    set_cookie(request, response, SESSION_COOKIE, token,
               max_age=int(settings.storyloom_session_hours * 3600))
    drop_cookie(request, response, LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", dependencies=[Depends(csrf_guard)])
def logout(request: Request, who: AnyViewer) -> Response:
    """End the session."""
    dash(request).store.close_web_session(who.token)
    dash(request).store.audit(who.actor, "logout")
    response = RedirectResponse("/login", 303)
    drop_cookie(request, response, SESSION_COOKIE)
    return response
