"""`storyloom users` and `storyloom audit`: dashboard accounts and the audit log from the
command line."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TextIO

from bot.dashboard.security import MIN_PASSWORD, hash_password
from worker.counsel.records import Account, Role
from worker.ops.connection import open_redis
from worker.settings import Settings
from worker.store.audit import verify_export
from worker.store.store import Store


def read_password(stdin: TextIO = sys.stdin) -> str:
    """Ask twice on a terminal; otherwise read the first line of stdin."""
    if stdin.isatty():
        first = getpass.getpass(f"Password (at least {MIN_PASSWORD} characters): ")
        if first != getpass.getpass("Again: "):
            raise ValueError("the passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


def add_user(settings: Settings, email: str, role: Role, password: str | None) -> str:
    """Create an account; returns its id, or with no password the one-time link its owner
    chooses one with (ValueError on a bad email, password or duplicate)."""
    if "@" not in email or len(email.strip()) < 3:
        raise ValueError("that is not an email address")
    account = Account(email=email, role=role,
                      password_hash=hash_password(password) if password is not None else "")
    client, embedded = open_redis(settings)
    try:
        store = Store.from_settings(settings, client)
        if not store.create_account(account):
            raise ValueError("an account with that email exists")
        store.audit("cli", "create_account", detail=f"{role} {account.account_id}")
        if password is not None:
            return account.account_id
        token = store.issue_password_link(account.account_id,
                                          settings.storyloom_password_link_hours)
        return f"{settings.storyloom_dashboard_url.rstrip('/')}/set-password/{token}"
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()


def audit_command(settings: Settings, action: str, to: Path | None) -> tuple[bool, str]:
    """`verify` the audit chain in Redis (or, with a path, in an export file), or
    `export` new entries to the JSONL file at to. (ok, what to print)."""
    if action == "verify" and to is not None:
        check = verify_export(to)
    else:
        client, embedded = open_redis(settings)
        try:
            store = Store.from_settings(settings, client)
            if action == "export":
                if to is None:
                    return False, "--to FILE is required"
                return True, f"{store.export_audit(to)} entries appended to {to}"
            check = store.verify_audit()
        finally:
            client.close()
            if embedded is not None:
                embedded.stop()
    if check.ok:
        return True, f"the chain holds: {check.entries} entries"
    return False, f"the chain is broken at entry {check.broken_at}: {check.reason}"


def list_users(settings: Settings) -> list[Account]:
    """Every account."""
    client, embedded = open_redis(settings)
    try:
        return Store.from_settings(settings, client).accounts_list()
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()
