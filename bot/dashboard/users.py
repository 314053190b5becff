"""`storyloom users`: dashboard accounts from the command line."""

from __future__ import annotations

import getpass
import sys
from typing import TextIO

from bot.dashboard.security import MIN_PASSWORD, hash_password
from worker.counsel.records import Account, Role
from worker.ops.connection import open_redis
from worker.settings import Settings
from worker.store.store import Store


def read_password(stdin: TextIO = sys.stdin) -> str:
    """Ask twice on a terminal; otherwise read the first line of stdin."""
    if stdin.isatty():
        first = getpass.getpass(f"Password (at least {MIN_PASSWORD} characters): ")
        if first != getpass.getpass("Again: "):
            raise ValueError("the passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


def add_user(settings: Settings, email: str, role: Role, password: str) -> str:
    """Create an account; returns its id (ValueError on a bad email, password or duplicate)."""
    if "@" not in email or len(email.strip()) < 3:
        raise ValueError("that is not an email address")
    account = Account(email=email, role=role, password_hash=hash_password(password))
    client, embedded = open_redis(settings)
    try:
        store = Store.from_settings(settings, client)
        if not store.create_account(account):
            raise ValueError("an account with that email exists")
        store.audit("cli", "create_account", detail=role)
        return account.account_id
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()


def list_users(settings: Settings) -> list[Account]:
    """Every account."""
    client, embedded = open_redis(settings)
    try:
        return Store.from_settings(settings, client).accounts_list()
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()
