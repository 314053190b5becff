"""The login's second step: a code from the authenticator app, or enrolling one first.

Every account has a second factor. An account without one (new, or reset by an
admin) enrols at its next login: the page shows the secret and its otpauth://
address, and the factor is saved only once a code made from it is typed back.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.routes.auth import (
    TOO_MANY,
    audit_failure,
    code_counter,
    finish_login,
    login_form,
    over_limit,
)
from bot.dashboard.security import PENDING_COOKIE, login_csrf_guard
from bot.dashboard.state import dash
from bot.dashboard.twofactor import check_code, provisioning_uri
from worker.counsel.records import Account, PendingLogin

router = APIRouter(prefix="/login")


class _Restart(Exception):
    """No half-done login (expired, finished, or never begun)."""


def _pending(request: Request) -> tuple[PendingLogin, Account]:
    token = request.cookies.get(PENDING_COOKIE)
    store = dash(request).store
    pending = store.pending_login(token) if token else None
    account = store.get_account(pending.account_id) if pending else None
    if pending is None or account is None or account.disabled:
        raise _Restart()
    return pending, account


def _restart() -> Response:
    return RedirectResponse("/login", 303)


def _give_up(request: Request) -> None:
    token = request.cookies.get(PENDING_COOKIE)
    if token:
        dash(request).store.close_pending_login(token)


@router.get("/code")
def code_page(request: Request) -> Response:
    """Ask for the authenticator's code."""
    try:
        pending, _ = _pending(request)
    except _Restart:
        return _restart()
    if pending.enrol_secret:
        return RedirectResponse("/login/enrol", 303)
    return login_form(request, "login_code.html", error=None)


@router.post("/code", dependencies=[Depends(login_csrf_guard)])
def code(request: Request, code: Annotated[str, Form(max_length=32)]) -> Response:
    """Check the code; a right one opens the session."""
    try:
        pending, account = _pending(request)
    except _Restart:
        return _restart()
    if pending.enrol_secret or account.totp_secret is None:
        return RedirectResponse("/login/enrol", 303)
    if over_limit(request, code_counter(pending), account.account_id, "code"):
        _give_up(request)
        return login_form(request, "login.html", 429, next="/", error=TOO_MANY)
    if not check_code(dash(request).store, account.account_id, account.totp_secret, code):
        audit_failure(request, account.account_id, "code")
        return login_form(request, "login_code.html", 401,
                          error="That code is wrong or was already used. Wait for the next one.")
    return finish_login(request, pending)


def _enrol_page(request: Request, pending: PendingLogin, account: Account, status: int = 200,
                error: str | None = None) -> Response:
    secret = pending.enrol_secret or ""
    return login_form(request, "login_enrol.html", status, secret=secret, error=error,
                      uri=provisioning_uri(account.email, secret))


@router.get("/enrol")
def enrol_page(request: Request) -> Response:
    """Set up the authenticator app: the secret, its address, and a code to confirm it."""
    try:
        pending, account = _pending(request)
    except _Restart:
        return _restart()
    if not pending.enrol_secret:
        return RedirectResponse("/login/code", 303)
    return _enrol_page(request, pending, account)


@router.post("/enrol", dependencies=[Depends(login_csrf_guard)])
def enrol(request: Request, code: Annotated[str, Form(max_length=32)]) -> Response:
    """Save the second factor once a code made from it matches; the session opens."""
    try:
        pending, account = _pending(request)
    except _Restart:
        return _restart()
    if not pending.enrol_secret or account.totp_secret is not None:
        return RedirectResponse("/login/code", 303)
    store = dash(request).store
    if over_limit(request, code_counter(pending), account.account_id, "enrol"):
        _give_up(request)
        return login_form(request, "login.html", 429, next="/", error=TOO_MANY)
    if not check_code(store, account.account_id, pending.enrol_secret, code):
        audit_failure(request, account.account_id, "enrol")
        return _enrol_page(request, pending, account, 401,
                           "That code does not match. Check the app's clock and try the next one.")
    store.save_account(account.model_copy(update={"totp_secret": pending.enrol_secret}))
    store.audit(account.account_id, "enrol_totp")
    return finish_login(request, pending)
