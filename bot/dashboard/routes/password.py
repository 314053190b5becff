"""One-time set-password links: an admin never chooses a counselor's password.

An admin makes the link (a new account, or a reset); its owner opens it, chooses a
password, and goes on to the second factor. The link works once, until it expires;
Redis keeps only its token's digest.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from bot.dashboard.routes.auth import MAX_FIELD, login_form, second_factor
from bot.dashboard.security import (
    MIN_PASSWORD,
    client_address,
    hash_password,
    hashing_slot,
    login_csrf_guard,
)
from bot.dashboard.state import dash, render
from worker.counsel.records import Account
from worker.store.records import utcnow

router = APIRouter()


def _gone(request: Request) -> Response:
    return render(request, "error.html", 404, title="This link doesn't work",
                  message="It was used already or has expired. Ask your admin for a new one.")


def _usable(request: Request, token: str) -> Account | None:
    account = dash(request).store.password_link_account(token) if len(token) < 100 else None
    return account if account is not None and not account.disabled else None


def password_problem(password: str, again: str) -> str | None:
    """Why a new password cannot be used, if it cannot."""
    if password != again:
        return "The two passwords differ."
    if len(password) < MIN_PASSWORD:
        return f"A password needs at least {MIN_PASSWORD} characters."
    return None


@router.get("/set-password/{token}")
def set_password_page(request: Request, token: str) -> Response:
    """The form to choose a password (the link is not used up by looking)."""
    account = _usable(request, token)
    if account is None:
        return _gone(request)
    return login_form(request, "set_password.html", email=account.email, token=token,
                      error=None, min_length=MIN_PASSWORD)


@router.post("/set-password/{token}", dependencies=[Depends(login_csrf_guard)])
def set_password(request: Request, token: str,
                 password: Annotated[str, Form(max_length=MAX_FIELD)],
                 again: Annotated[str, Form(max_length=MAX_FIELD)]) -> Response:
    """Save the password, use the link up, and go on to the second factor."""
    account = _usable(request, token)
    if account is None:
        return _gone(request)
    problem = password_problem(password, again)
    if problem:
        return login_form(request, "set_password.html", 400, email=account.email, token=token,
                          error=problem, min_length=MIN_PASSWORD)
    store = dash(request).store
    with hashing_slot(request):
        hashed = hash_password(password)
    if store.redeem_password_link(token) is None:  # used meanwhile, in another tab
        return _gone(request)
    account = account.model_copy(update={"password_hash": hashed, "sessions_after": utcnow()})
    store.save_account(account)
    store.audit(account.account_id, "set_password")
    return second_factor(request, account, f"{account.email}|{client_address(request)}", "/")
