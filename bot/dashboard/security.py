"""Who is asking: argon2 passwords, session cookies, roles, CSRF and the client's address.

The session cookie is an opaque random token (HttpOnly, SameSite=Strict,
Secure unless configured off for local http); Redis keeps only its digest. A
session ends when it expires, sits idle too long, or its account's password
changes. Every POST carries the session's CSRF token in a form field; the login
forms, which come before any session, use a double-submit cookie instead.

Password hashes (argon2id, 64 MiB each) run only a few at a time: a request that
finds every slot taken is told to retry (503) at once rather than queue, so a
burst of logins cannot exhaust the process's memory.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
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
PENDING_COOKIE = "storyloom_login_pending"
# How long to wait for a free hashing slot before answering 503.
HASH_WAIT_S = 0.25
_hasher = PasswordHasher()
# Verified against when the email is unknown, so timing does not tell which emails exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD = 10


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


class Busy(Exception):
    """Every password-hashing slot is taken: answer 503 and ask to retry."""


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


@contextmanager
def hashing_slot(request: Request) -> Iterator[None]:
    """Hold one of the few password-hashing slots, or raise Busy."""
    gate = dash(request).hashing
    if not gate.acquire(timeout=HASH_WAIT_S):
        raise Busy()
    try:
        yield
    finally:
        gate.release()


def hash_password(password: str) -> str:
    """An argon2id hash of a password (ValueError when it is too short).

    Callers serving a request hold a hashing slot (hashing_slot) around it."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def check_password(account: Account | None, password: str) -> bool:
    """True when the password matches; as slow for unknown accounts (and accounts whose
    password is not set yet) as for known ones. Hold a hashing slot around it."""
    stored = account.password_hash if account and account.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and account is not None and bool(account.password_hash)


def needs_rehash(account: Account) -> bool:
    """True when the stored hash uses weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(account.password_hash)
    except InvalidHashError:
        return False


def viewer(request: Request) -> Viewer:
    """The logged-in account, or a redirect to the login page."""
    token = request.cookies.get(SESSION_COOKIE)
    state = dash(request)
    session = (state.store.web_session(token, state.settings.storyloom_idle_minutes * 60)
               if token else None)
    account = state.store.get_account(session.account_id) if session else None
    if token is None or session is None or account is None or account.disabled:
        raise LoginRequired()
    if account.sessions_after is not None and session.created_at < account.sessions_after:
        state.store.close_web_session(token)  # opened before the password changed
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
    """The client's address: the peer's, unless the peer is a trusted proxy; then the
    nearest X-Forwarded-For hop that is not itself a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    trusted = dash(request).trusted_proxies
    if not _is_in(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_in(hop, trusted):
            return hop if _is_address(hop) else peer
    return peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_in(text: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
           ) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in net for net in networks)


def drop_cookie(request: Request, response: Response, name: str) -> None:
    """Remove a cookie, with the same flags it was set with."""
    response.delete_cookie(name, path="/", httponly=True, samesite="strict",
                           secure=dash(request).settings.storyloom_secure_cookies)
