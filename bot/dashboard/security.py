"""Who is asking: argon2 passwords, session cookies, roles, CSRF and login throttling.

The session cookie is an opaque random token (HttpOnly, SameSite=Strict,
Secure unless configured off for local http); Redis keeps only its digest.
Every POST carries the session's CSRF token in a form field; the login form,
which comes before any session, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.responses import Response

from bot.dashboard.state import dash
from worker.counsel.records import Account, WebSession

SESSION_COOKIE = "storyloom_session"
LOGIN_CSRF_COOKIE = "storyloom_login_csrf"
_hasher = PasswordHasher()
# Verified against when the email is unknown, so timing does not tell which emails exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 10


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


class Forbidden(Exception):
    """A valid session that may not do this."""

    def __init__(self, reason: str = "You don't have access to this page.") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Viewer:
    """The logged-in account behind a request."""

    account: Account
    session: WebSession
    token: str

    @property
    def actor(self) -> str:
        """How the audit log names this account."""
        return self.account.account_id


def hash_password(password: str) -> str:
    """An argon2id hash of a password (ValueError when it is too short)."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def check_password(account: Account | None, password: str) -> bool:
    """True when the password matches; as slow for unknown accounts as for known ones."""
    try:
        ok = _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and account is not None


def needs_rehash(account: Account) -> bool:
    """True when the stored hash uses weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(account.password_hash)
    except InvalidHashError:
        return False


def viewer(request: Request) -> Viewer:
    """The logged-in account, or a redirect to the login page."""
    token = request.cookies.get(SESSION_COOKIE)
    store = dash(request).store
    session = store.web_session(token) if token else None
    account = store.get_account(session.account_id) if session else None
    if token is None or session is None or account is None or account.disabled:
        raise LoginRequired()
    found = Viewer(account=account, session=session, token=token)
    request.state.viewer = found
    return found


AnyViewer = Annotated[Viewer, Depends(viewer)]


def counselor(who: AnyViewer) -> Viewer:
    """Counselors only."""
    if who.account.role != "counselor":
        raise Forbidden("This page is for counselors.")
    return who


def admin(who: AnyViewer) -> Viewer:
    """Admins only."""
    if who.account.role != "admin":
        raise Forbidden("This page is for admins.")
    return who


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


CounselorViewer = Annotated[Viewer, Depends(counselor)]
AdminViewer = Annotated[Viewer, Depends(admin)]


async def csrf_guard(request: Request, who: AnyViewer) -> Viewer:
    """Every POST of a logged-in browser carries the session's CSRF token."""
    form = await request.form()
    token = form.get("csrf_token")
    if (not isinstance(token, str) or not hmac.compare_digest(token, who.session.csrf)
            or not _same_origin(request)):
        raise Forbidden("The form expired or came from elsewhere. Reload the page and try again.")
    return who


async def login_csrf_guard(request: Request) -> None:
    """The login form's double-submit token: the form field must match its cookie."""
    form = await request.form()
    token, cookie = form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)
    if (not isinstance(token, str) or not cookie or not hmac.compare_digest(token, cookie)
            or not _same_origin(request)):
        raise Forbidden("The login form expired. Reload the page and try again.")


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int | None) -> None:
    """A cookie with the dashboard's flags."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=dash(request).settings.storyloom_secure_cookies)


def client_address(request: Request) -> str:
    """The peer address used for login throttling."""
    return request.client.host if request.client else "unknown"


def drop_cookie(request: Request, response: Response, name: str) -> None:
    """Remove a cookie, with the same flags it was set with."""
    response.delete_cookie(name, path="/", httponly=True, samesite="strict",
                           secure=dash(request).settings.storyloom_secure_cookies)
