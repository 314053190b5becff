"""A small world for dashboard tests: an admin, two counselors, their clients."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache

import httpx
import pyotp
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.dashboard.app import create_app
from bot.dashboard.security import SESSION_COOKIE, hash_password
from worker.counsel.guide import opening_message, plan_session
from worker.counsel.records import Account, Alert
from worker.profile.model import LifeEvent, Person, Profile
from worker.settings import Settings
from worker.store.records import Delivery, GenerationStats, Installment, SafetyState, new_id, utcnow
from worker.store.store import Store

PASSWORD = "a long test password"
# Words only the first counselor's client ever said: they must never reach anyone else.
CANARY = "Casimiro"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One argon2 hash for every test account (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


@dataclass
class World:
    """Accounts, their clients and one of everything a client view shows."""

    app: FastAPI
    store: Store
    admin: Account
    owner: Account
    other: Account
    ref: str
    other_ref: str
    user: str
    installment_id: str
    alert_id: str


def _account(store: Store, email: str, role: str) -> Account:
    # (every account has a second factor; the field's test lets these tests run on the
    # code before it, to show what failed there)
    factor = ({"totp_secret": pyotp.random_base32(32)} if "totp_secret" in Account.model_fields
              else {})
    account = Account(email=email, role=role, password_hash=password_hash(),  # type: ignore[arg-type]
                      **factor)
    assert store.create_account(account)
    return account


def totp_code(secret: str, step_offset: int = 0) -> str:
    """What the account's authenticator app shows now (or step_offset steps away: each
    code works once, so a test logging in twice uses the neighbouring step)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * step_offset)


def submit_login(http: TestClient, email: str, password: str,
                 next_: str = "/alerts") -> httpx.Response:
    """The login form's first step: email and password."""
    page = http.get(f"/login?next={next_}")
    form = {"csrf_token": login_token(page.text), "email": email, "password": password,
            "next": next_}
    return http.post("/login", data=form)


def submit_code(http: TestClient, code: str, path: str = "/login/code") -> httpx.Response:
    """The second step: the authenticator's code (path /login/enrol while enrolling)."""
    page = http.get(path)
    assert page.status_code == 200, page.status_code
    return http.post(path, data={"csrf_token": login_token(page.text), "code": code})


def log_in(world: World, account: Account, password: str = PASSWORD, step_offset: int = 0,
           http: TestClient | None = None) -> tuple[TestClient, httpx.Response]:
    """Both steps of a real login through the forms; the last response."""
    http = http or browser_for(world, None)[0]
    first = submit_login(http, account.email, password)
    if first.status_code != 303 or first.headers["location"] != "/login/code":
        return http, first
    assert account.totp_secret
    return http, submit_code(http, totp_code(account.totp_secret, step_offset))


def _link(store: Store, account: Account, user: str) -> str:
    code = store.issue_invite(account.account_id, hours=1).code
    assert store.redeem_invite(user, code) is not None
    link = store.confirm_link(user)
    assert link is not None
    return link.ref


def _story(store: Store, user: str, counselor_id: str) -> str:
    now = utcnow()
    store.save_profile(Profile(
        user=user,
        people=(Person(name=CANARY, relation="grandfather", first_seen=now, last_seen=now),),
        events=(LifeEvent(text=f"{CANARY} built a boat in Aveiro.", predicate="build",
                          score=0.9, turn_id="t1", said_at=now),),
    ))
    session = plan_session(user, counselor_id, "reminiscence")
    store.start_guided(session, opening_message(session))
    stats = GenerationStats(model="m", prompt_tokens=1, new_tokens=1, seconds=1,
                            tokens_per_s=1)
    inst = Installment(user=user, request_id=new_id(), number=1, tone="calm", stats=stats,
                       text=f"{CANARY} hummed while the boat took shape.")
    assert store.save_installment(inst, Delivery(
        user=user, kind="installment", text=inst.text, installment_id=inst.installment_id,
        in_reply_to=inst.request_id))
    return inst.installment_id


def build_world(settings: Settings, client: redis.Redis) -> World:
    """The world every dashboard test starts from."""
    app = create_app(settings, client)
    store: Store = app.state.dashboard.store
    admin = _account(store, "admin@example.org", "admin")
    owner = _account(store, "owner@example.org", "counselor")
    other = _account(store, "other@example.org", "counselor")
    user = "telegram:4242"
    ref = _link(store, owner, user)
    other_ref = _link(store, other, "discord:77")
    installment_id = _story(store, user, owner.account_id)
    alert = Alert(alert_id=new_id()[:24], user=user, turn_id="t9", level="high",
                  categories=("suicidal_ideation",), matched=("si.want_die",), paused=True)
    store.record_alert(alert)
    store.save_safety(user, SafetyState(level="high", paused=True, updated_at=utcnow()))
    return World(app, store, admin, owner, other, ref, other_ref, user, installment_id,
                 alert.alert_id)


def browser_for(world: World, account: Account | None) -> tuple[TestClient, str]:
    """An HTTPS test client logged in as the account (a real session), and its CSRF token."""
    http = TestClient(world.app, base_url="https://testserver", follow_redirects=False)
    if account is None:
        return http, ""
    token, session = world.store.open_web_session(account.account_id, hours=1)
    http.cookies.set(SESSION_COOKIE, token)
    return http, session.csrf


def login_token(page: str) -> str:
    """The CSRF token in a page's form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)

