"""Admins: accounts and the audit log. Admins never see a client's story.

An admin names a new account's email and role; its owner chooses the password
through a one-time link and enrols their own second factor. Every admin page read
is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import AdminViewer, csrf_guard
from bot.dashboard.state import dash, render
from worker.counsel.records import ROLES, Account, Role
from worker.store.records import utcnow

router = APIRouter(prefix="/admin")


def _accounts_page(request: Request, status: int = 200, error: str | None = None,
                   link: str | None = None, link_for: str | None = None) -> Response:
    store = dash(request).store
    return render(request, "admin_accounts.html", status, accounts=store.accounts_list(),
                  roles=ROLES, error=error, link=link, link_for=link_for)


def _link(request: Request, account: Account) -> str:
    state = dash(request)
    token = state.store.issue_password_link(account.account_id,
                                            state.settings.storyloom_password_link_hours)
    return f"{state.settings.storyloom_dashboard_url.rstrip('/')}/set-password/{token}"


@router.get("/accounts")
def accounts(request: Request, who: AdminViewer) -> Response:
    """Every account."""
    dash(request).store.audit(who.actor, "view_accounts")
    return _accounts_page(request)


@router.post("/accounts", dependencies=[Depends(csrf_guard)])
def create(request: Request, who: AdminViewer,
           email: Annotated[str, Form(max_length=320)],
           role: Annotated[Role, Form()]) -> Response:
    """Create an account and show, once, the link its owner sets a password with."""
    store = dash(request).store
    if "@" not in email or len(email.strip()) < 3:
        return _accounts_page(request, 400, "That is not an email address.")
    account = Account(email=email, role=role, password_hash="")
    if not store.create_account(account):
        return _accounts_page(request, 400, "An account with that email exists.")
    store.audit(who.actor, "create_account", detail=f"{role} {account.account_id}")
    return _accounts_page(request, link=_link(request, account), link_for=email.strip())


@router.post("/accounts/{account_id}/reset", dependencies=[Depends(csrf_guard)])
def reset(request: Request, account_id: str, who: AdminViewer) -> Response:
    """Lost password or phone: the account is logged out everywhere, its password and
    second factor cleared, and a new one-time link shown."""
    store = dash(request).store
    target = store.get_account(account_id)
    if target is None or target.account_id == who.account.account_id or target.disabled:
        return RedirectResponse("/admin/accounts", 303)
    target = target.model_copy(update={"password_hash": "", "totp_secret": None,
                                       "sessions_after": utcnow()})
    store.save_account(target)
    store.audit(who.actor, "reset_account", detail=account_id)
    return _accounts_page(request, link=_link(request, target), link_for=target.email)


@router.post("/accounts/{account_id}/disable", dependencies=[Depends(csrf_guard)])
def disable(request: Request, account_id: str, who: AdminViewer) -> Response:
    """Disable an account (its sessions stop working at once)."""
    store = dash(request).store
    target = store.get_account(account_id)
    if target is not None and target.account_id != who.account.account_id:
        store.save_account(target.model_copy(update={"disabled": True}))
        store.audit(who.actor, "disable_account", detail=account_id)
    return RedirectResponse("/admin/accounts", 303)


@router.get("/audit")
def audit(request: Request, who: AdminViewer) -> Response:
    """The newest audit entries, and whether the chain holds."""
    store = dash(request).store
    store.audit(who.actor, "view_audit")
    return render(request, "admin_audit.html", entries=store.audit_entries(500),
                  check=store.verify_audit())
