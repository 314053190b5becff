"""Dashboard accounts, login sessions, half-done logins, set-password links and login
counters (staff data, not user data).

A session's cookie token is never stored: Redis keeps only its SHA-256, so a
copy of the database cannot be replayed as a login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from worker.counsel.records import Account, PendingLogin, WebSession
from worker.store import crypto
from worker.store.base import StoreBase
from worker.store.records import utcnow

M = TypeVar("M", bound=BaseModel)
# Unambiguous characters for codes a person types (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# A session's last request is written back at most this often (seconds).
IDLE_NOTE_S = 30
# How long an accepted TOTP time step is remembered (longer than the codes' window).
TOTP_MEMORY_S = 180
# Marks a TOTP secret sealed (AES-GCM) in a stored account.
SEALED = "sealed:"


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
        """Overwrite an account (role, disabled, chat link); its TOTP secret is sealed."""
        if account.totp_secret is not None:
            account = account.model_copy(update={"totp_secret": self._seal_factor(account)})
        self.redis.hset(self.keys.accounts(), account.account_id, account.model_dump_json())

    def get_account(self, account_id: str) -> Account | None:
        """One account by id."""
        key = self.keys.accounts()
        return self._open_factor(self._staff(Account, self.redis.hget(key, account_id), key))

    # -- the second factor's secret, sealed under a key derived from the master key -----
    def _factor_key(self) -> bytes:
        return hmac.new(self.master.key, b"storyloom dashboard totp", hashlib.sha256).digest()

    def _seal_factor(self, account: Account) -> str:
        assert account.totp_secret is not None
        blob = crypto.seal(f"totp\0{account.account_id}", self._factor_key(),
                           account.totp_secret.encode())
        return SEALED + base64.b64encode(blob).decode()

    def _open_factor(self, account: Account | None) -> Account | None:
        """The account with its secret opened; None (logged, no login) when it won't open:
        an account must never fall back to password-only."""
        if account is None or account.totp_secret is None:
            return account
        if not account.totp_secret.startswith(SEALED):
            return account  # stored before secrets were sealed; sealed on the next save
        try:
            plain = crypto.unseal(f"totp\0{account.account_id}", self._factor_key(),
                                  base64.b64decode(account.totp_secret[len(SEALED):]))
        except (crypto.KeyError_, ValueError):
            self.dead_letter(self.keys.accounts(), account.account_id,
                             "the account's second factor does not open")
            return None
        return account.model_copy(update={"totp_secret": plain.decode()})

    def account_by_email(self, email: str) -> Account | None:
        """The account with this email, if any."""
        found = self.redis.hget(self.keys.account_emails(), normalise_email(email))
        return self.get_account(found.decode()) if found else None

    def accounts_list(self) -> list[Account]:
        """Every account, by email."""
        key = self.keys.accounts()
        found = (self._open_factor(self._staff(Account, raw, key))
                 for raw in self.redis.hvals(key))
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

    def web_session(self, token: str, idle_s: float | None = None) -> WebSession | None:
        """The session behind a cookie token, unless it expired or sat idle over idle_s.

        A live session's last request is noted (at most every IDLE_NOTE_S seconds)."""
        key = self.keys.web_session(digest(token))
        session = self._staff(WebSession, self.redis.get(key), key)
        now = utcnow()
        if session is None or session.expires_at <= now:
            return None
        if idle_s is not None and (now - session.last_seen).total_seconds() > idle_s:
            self.redis.delete(key)
            return None
        if (now - session.last_seen).total_seconds() > IDLE_NOTE_S:
            session = session.model_copy(update={"last_seen": now})
            self.redis.set(key, session.model_dump_json(), keepttl=True, xx=True)
        return session

    def close_web_session(self, token: str) -> None:
        """Log out: forget the session."""
        self.redis.delete(self.keys.web_session(digest(token)))

    # -- between the password and the second factor ------------------------------------
    def open_pending_login(self, pending: PendingLogin) -> str:
        """Keep a half-done login; returns its cookie token (Redis keeps the digest)."""
        token = secrets.token_urlsafe(32)
        ttl = max(1, int((pending.expires_at - utcnow()).total_seconds()))
        self.redis.set(self.keys.pending_login(digest(token)), pending.model_dump_json(), ex=ttl)
        return token

    def pending_login(self, token: str) -> PendingLogin | None:
        """The half-done login behind a cookie token."""
        key = self.keys.pending_login(digest(token))
        found = self._staff(PendingLogin, self.redis.get(key), key)
        return found if found is not None and found.expires_at > utcnow() else None

    def close_pending_login(self, token: str) -> None:
        """The login finished (or was abandoned)."""
        self.redis.delete(self.keys.pending_login(digest(token)))

    def use_totp_step(self, account_id: str, step: int) -> bool:
        """True the first time a code of this time step is used; False on a replay."""
        return bool(self.redis.set(self.keys.totp_used(account_id, step), 1, nx=True,
                                   ex=TOTP_MEMORY_S))

    # -- one-time set-password links ---------------------------------------------------
    def issue_password_link(self, account_id: str, hours: float) -> str:
        """A token for a link that lets the account's owner choose a password once."""
        token = secrets.token_urlsafe(32)
        self.redis.set(self.keys.password_link(digest(token)), account_id,
                       ex=max(1, int(hours * 3600)))
        return token

    def password_link_account(self, token: str) -> Account | None:
        """The account a set-password link is for, without using it up."""
        found = self.redis.get(self.keys.password_link(digest(token)))
        return self.get_account(found.decode()) if found else None

    def redeem_password_link(self, token: str) -> Account | None:
        """Use a set-password link up: the account it was for, or None if used or expired."""
        found = self.redis.getdel(self.keys.password_link(digest(token)))
        return self.get_account(found.decode()) if found else None

    # -- login throttling -------------------------------------------------------------
    def login_failures(self, who: str) -> int:
        """Login attempts counted for one account and address (not yet cleared by success)."""
        raw = self.redis.get(self.keys.login_failures(digest(who)))
        return int(raw) if raw else 0

    def count_login_attempt(self, who: str, window_s: int) -> int:
        """Count an attempt before it is checked (so parallel guesses cannot overtake the
        limit); the count expires window_s after the first and a full login clears it."""
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
