"""Accounts (issue 15 item 13): a second factor for every account, one-time set-password
links instead of passwords chosen by admins, password change, idle timeout, HSTS."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta

import pyotp
import redis
from fastapi.testclient import TestClient

from bot.dashboard.app import create_app
from bot.dashboard.security import SESSION_COOKIE
from tests.conftest import ROOT, cli_env
from tests.dashboard_support import (
    PASSWORD,
    browser_for,
    build_world,
    login_token,
    submit_code,
    submit_login,
    totp_code,
)
from worker.settings import Settings
from worker.store.accounts import digest
from worker.store.records import utcnow

NEW_PASSWORD = "a brand new long password"


def test_a_password_alone_does_not_log_in(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    http, _ = browser_for(world, None)
    first = submit_login(http, "owner@example.org", PASSWORD)
    assert first.status_code == 303 and first.headers["location"] == "/login/code"
    assert SESSION_COOKIE not in http.cookies, "no session before the second factor"
    assert http.get("/clients").status_code == 303
    wrong = submit_code(http, "000000" if totp_code(world.owner.totp_secret or "") != "000000"
                        else "111111")
    assert wrong.status_code == 401 and "wrong" in wrong.text
    assert world.owner.totp_secret
    code = totp_code(world.owner.totp_secret)
    done = submit_code(http, code)
    assert done.status_code == 303 and done.headers["location"] == "/alerts"
    assert http.get("/clients").status_code == 200
    replay, _ = browser_for(world, None)
    assert submit_login(replay, "owner@example.org", PASSWORD).status_code == 303
    assert submit_code(replay, code).status_code == 401, "a code works once"
    failed = [e for e in world.store.audit_entries() if e.action == "login_failed"]
    assert [e.actor for e in failed] == [world.owner.account_id] * 2
    assert all("code" in (e.detail or "") for e in failed)


def _link_from(page: str) -> str:
    found = re.search(r"https?://[^\s<\"]+/set-password/([A-Za-z0-9_-]+)", page)
    assert found, "the page shows the one-time link"
    return found.group(1)


def test_a_new_account_sets_its_own_password_by_a_one_time_link_and_enrols_a_factor(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    admin, csrf = browser_for(world, world.admin)
    assert 'name="password"' not in admin.get("/admin/accounts").text, (
        "the admin does not choose the password")
    made = admin.post("/admin/accounts", data={"csrf_token": csrf, "email": "New@Example.org",
                                               "role": "counselor"})
    assert made.status_code == 200
    token = _link_from(made.text)
    assert not any(token.encode() in (client.get(k) or b"") + k
                   for k in client.keys("*") if client.type(k) == b"string")
    account = world.store.account_by_email("new@example.org")
    assert account is not None and account.password_hash == "" and account.totp_secret is None
    assert submit_login(browser_for(world, None)[0], "new@example.org",
                        "any guess at all").status_code == 401, "no password until it is set"

    http, _ = browser_for(world, None)
    page = http.get(f"/set-password/{token}")
    assert page.status_code == 200 and "new@example.org" in page.text
    form = {"csrf_token": login_token(page.text), "password": NEW_PASSWORD, "again": "other"}
    differ = http.post(f"/set-password/{token}", data=form)
    assert differ.status_code == 400 and "differ" in differ.text
    form.update(again=NEW_PASSWORD, csrf_token=login_token(differ.text))
    done = http.post(f"/set-password/{token}", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/login/enrol"
    assert http.get(f"/set-password/{token}").status_code == 404, "the link works once"

    enrol = http.get("/login/enrol")
    uri = re.search(r"otpauth://totp/[^<\s]+", enrol.text)
    assert uri and "issuer=storyloom" in uri.group(0)
    secret = pyotp.parse_uri(uri.group(0).replace("&amp;", "&")).secret
    assert SESSION_COOKIE not in http.cookies
    logged = submit_code(http, pyotp.TOTP(secret).now(), "/login/enrol")
    assert logged.status_code == 303 and http.get("/clients").status_code == 200
    account = world.store.account_by_email("new@example.org")
    assert account is not None and account.totp_secret == secret
    stored = client.hget(world.store.keys.accounts(), account.account_id) or b""
    assert secret.encode() not in stored, "the secret is kept sealed"

    again, _ = browser_for(world, None)
    first = submit_login(again, "new@example.org", NEW_PASSWORD)
    assert first.headers["location"] == "/login/code", "from now on a code is asked"


def test_an_admin_reset_logs_the_account_out_and_sends_a_new_link(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    owner, _ = browser_for(world, world.owner)
    admin, csrf = browser_for(world, world.admin)
    page = admin.post(f"/admin/accounts/{world.owner.account_id}/reset",
                      data={"csrf_token": csrf})
    token = _link_from(page.text)
    assert owner.get("/clients").status_code == 303, "the owner's sessions ended"
    assert submit_login(browser_for(world, None)[0], "owner@example.org",
                        PASSWORD).status_code == 401, "the old password is gone"
    http, _ = browser_for(world, None)
    form = {"csrf_token": login_token(http.get(f"/set-password/{token}").text),
            "password": NEW_PASSWORD, "again": NEW_PASSWORD}
    assert http.post(f"/set-password/{token}", data=form).headers["location"] == "/login/enrol"


def test_changing_the_password_ends_every_other_session(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    here, csrf = browser_for(world, world.owner)
    elsewhere, _ = browser_for(world, world.owner)
    form = {"csrf_token": csrf, "current": "not my password", "password": NEW_PASSWORD,
            "again": NEW_PASSWORD}
    assert here.post("/account/password", data=form).status_code == 400
    form["current"] = PASSWORD
    done = here.post("/account/password", data=form)
    assert done.status_code == 200 and "password is changed" in done.text
    assert here.get("/clients").status_code == 200, "this browser stays logged in"
    assert elsewhere.get("/clients").status_code == 303, "the other browser is logged out"
    fresh, _ = browser_for(world, None)
    assert submit_login(fresh, "owner@example.org", PASSWORD).status_code == 401
    assert submit_login(fresh, "owner@example.org", NEW_PASSWORD).status_code == 303
    assert "change_password" in {e.action for e in world.store.audit_entries()}


def _last_seen(client: redis.Redis, key: str, minutes_ago: float) -> None:
    raw = json.loads(client.get(key) or b"{}")
    raw["last_seen"] = (utcnow() - timedelta(minutes=minutes_ago)).isoformat()
    client.set(key, json.dumps(raw), keepttl=True)


def test_an_idle_session_ends(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings.model_copy(update={"storyloom_idle_minutes": 30}), client)
    http, _ = browser_for(world, world.owner)
    key = world.store.keys.web_session(digest(http.cookies[SESSION_COOKIE]))
    _last_seen(client, key, 29)
    assert http.get("/clients").status_code == 200, "used 29 minutes ago: still open"
    assert http.get("/clients").status_code == 200
    _last_seen(client, key, 31)
    gone = http.get("/clients")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert client.get(key) is None


def test_pages_ask_browsers_to_use_https_only(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    http, _ = browser_for(world, None)
    hsts = http.get("/login").headers.get("strict-transport-security", "")
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    local = create_app(settings.model_copy(update={"storyloom_secure_cookies": False}), client)
    plain = TestClient(local, follow_redirects=False)
    assert "strict-transport-security" not in plain.get("/login").headers, (
        "local http (cookies not Secure) sends none")


def test_users_add_can_print_a_set_password_link(settings: Settings, client: redis.Redis) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "users", "add", "--email", "c@example.org",
         "--role", "counselor", "--link"], text=True, capture_output=True,
        env=cli_env(settings), cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    link = json.loads(done.stdout)["set_password_link"]
    world_app = create_app(settings, client)
    http = TestClient(world_app, base_url="https://testserver", follow_redirects=False)
    page = http.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert page.status_code == 200 and "c@example.org" in page.text
