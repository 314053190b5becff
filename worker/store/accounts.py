"""Dashboard accounts, login sessions and failed-login counters (staff data, not user data).

A session's cookie token is never stored: Redis keeps only its SHA-256, so a
copy of the database cannot be replayed as a login.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from worker.counsel.records import Account, WebSession
from worker.store.base import StoreBase
from worker.store.records import utcnow

M = TypeVar("M", bound=BaseModel)
# Unambiguous characters for codes a person types (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def digest(value: str) -> str:
    """SHA-256 hex of a secret or identifier that must not appear in a key name."""
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """The form emails are compared in."""
    return email.strip().lower()


def new_code(groups: int = 2, size: int = 4) -> str:
    """A random code such as K7QF-3MZP (about 40 bits)."""
    return "-".join(
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(size)) for _ in range(groups)
    )


def clean_code(code: str) -> str:
    """A code as typed (any case, spaces, missing dash) in its canonical form."""
    flat = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(flat[i : i + 4] for i in range(0, len(flat), 4))


class AccountStore(StoreBase):
    """Accounts with roles, their browser sessions, and login throttling."""

    def _staff(self, model: type[M], raw: bytes | str | None, where: str) -> M | None:
        if raw is None:
            return None
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            self.dead_letter(where, raw, f"{model.__name__}: {exc.error_count()} errors")
            return None

    def create_account(self, account: Account) -> bool:
        """Store a new account; False when its email is taken."""
        email = normalise_email(account.email)
        if not self.redis.hsetnx(self.keys.account_emails(), email, account.account_id):
            return False
        self.save_account(account.model_copy(update={"email": email}))
        return True

    def save_account(self, account: Account) -> None:
        """Overwrite an account (role, disabled, chat link)."""
        self.redis.hset(self.keys.accounts(), account.account_id, account.model_dump_json())

    def get_account(self, account_id: str) -> Account | None:
        """One account by id."""
        key = self.keys.accounts()
        return self._staff(Account, self.redis.hget(key, account_id), key)

    def account_by_email(self, email: str) -> Account | None:
        """The account with this email, if any."""
        found = self.redis.hget(self.keys.account_emails(), normalise_email(email))
        return self.get_account(found.decode()) if found else None

    def accounts_list(self) -> list[Account]:
        """Every account, by email."""
        key = self.keys.accounts()
        found = (self._staff(Account, raw, key) for raw in self.redis.hvals(key))
        return sorted((a for a in found if a is not None), key=lambda a: a.email)

    # -- browser sessions -----------------------------------------------------------
    def open_web_session(self, account_id: str, hours: float) -> tuple[str, WebSession]:
        """A new login: the cookie token (returned once) and the stored session."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        session = WebSession(account_id=account_id, csrf=secrets.token_urlsafe(32),
                             created_at=now, expires_at=now + timedelta(hours=hours))
        self.redis.set(self.keys.web_session(digest(token)), session.model_dump_json(),
                       ex=max(1, int(hours * 3600)))
        return token, session

    def web_session(self, token: str) -> WebSession | None:
        """The session behind a cookie token, unless it expired."""
        key = self.keys.web_session(digest(token))
        session = self._staff(WebSession, self.redis.get(key), key)
        if session is None or session.expires_at <= utcnow():
            return None
        return session

    def close_web_session(self, token: str) -> None:
        """Log out: forget the session."""
        self.redis.delete(self.keys.web_session(digest(token)))

    # -- login throttling -------------------------------------------------------------
    def login_failures(self, who: str) -> int:
        """Failed logins counted for one account and address."""
        raw = self.redis.get(self.keys.login_failures(digest(who)))
        return int(raw) if raw else 0

    def note_login_failure(self, who: str, window_s: int) -> int:
        """Count one more failed login; the count expires window_s after the first."""
        key = self.keys.login_failures(digest(who))
        with self.redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, window_s, nx=True)
            count, _ = pipe.execute()
        return int(count)

    def clear_login_failures(self, who: str) -> None:
        """A successful login clears the count."""
        self.redis.delete(self.keys.login_failures(digest(who)))

    # -- a counselor's own chat, for alert messages -------------------------------------
    def issue_chat_code(self, account_id: str, ttl_s: int) -> str:
        """A one-time code the counselor sends from their chat (/alerts CODE)."""
        code = new_code()
        self.redis.set(self.keys.chat_link_code(code), account_id, ex=ttl_s)
        return code

    def redeem_chat_code(self, code: str, chat_user: str) -> Account | None:
        """Link the chat that sent the code to the account that issued it."""
        found = self.redis.getdel(self.keys.chat_link_code(clean_code(code)))
        account = self.get_account(found.decode()) if found else None
        if account is None:
            return None
        account = account.model_copy(update={"chat_user": chat_user})
        self.save_account(account)
        return account
