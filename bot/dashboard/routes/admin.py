"""Admins: accounts and the audit log. Admins never see a client's story."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import AdminViewer, csrf_guard, hash_password
from bot.dashboard.state import dash, render
from worker.counsel.records import ROLES, Account, Role

router = APIRouter(prefix="/admin")


@router.get("/accounts")
def accounts(request: Request, who: AdminViewer) -> Response:
    """Every account."""
    store = dash(request).store
    return render(request, "admin_accounts.html", accounts=store.accounts_list(), roles=ROLES,
                  error=None)


@router.post("/accounts", dependencies=[Depends(csrf_guard)])
def create(request: Request, who: AdminViewer,
           email: Annotated[str, Form(max_length=320)],
           role: Annotated[Role, Form()],
           password: Annotated[str, Form(max_length=1024)]) -> Response:
    """Create an account."""
    store = dash(request).store
    error = None
    if "@" not in email or len(email.strip()) < 3:
        error = "That is not an email address."
    else:
        try:
            created = store.create_account(Account(email=email, role=role,
                                                   password_hash=hash_password(password)))
            error = None if created else "An account with that email exists."
        except ValueError as exc:
            error = str(exc)
    if error:
        return render(request, "admin_accounts.html", 400, accounts=store.accounts_list(),
                      roles=ROLES, error=error)
    store.audit(who.actor, "create_account", detail=role)
    return RedirectResponse("/admin/accounts", 303)


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
    """The newest audit entries."""
    store = dash(request).store
    return render(request, "admin_audit.html", entries=store.audit_entries(500))
