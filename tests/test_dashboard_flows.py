"""Dashboard behaviour behind the routes: logging in, throttling, cookies, audit, privacy."""

from __future__ import annotations

import subprocess
import sys

import redis

from bot.dashboard.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import ROOT, cli_env
from tests.dashboard_support import (
    CANARY,
    PASSWORD,
    World,
    browser_for,
    build_world,
    login_token,
    submit_code,
    submit_login,
    totp_code,
)
from worker.settings import Settings
from worker.store.store import Store


def _login(world: World, email: str, password: str):  # type: ignore[no-untyped-def]
    """Email and password, then (when they match) the account's authenticator code."""
    http, _ = browser_for(world, None)
    first = submit_login(http, email, password)
    if first.status_code != 303 or first.headers["location"] != "/login/code":
        return http, first
    account = world.store.account_by_email(email)
    assert account is not None and account.totp_secret
    return http, submit_code(http, totp_code(account.totp_secret))


def test_login_sets_a_hardened_cookie_and_logout_ends_the_session(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    http, response = _login(world, "Owner@Example.org ", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/alerts"
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith(SESSION_COOKIE + "="))
    for flag in ("HttpOnly", "Secure", "SameSite=strict"):
        assert flag in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert token.encode() not in b"".join(client.get(k) or b"" for k in client.keys("*session*"))
    page = http.get("/alerts")
    assert page.status_code == 200
    http.post("/logout", data={"csrf_token": login_token(page.text)})
    assert world.store.web_session(token) is None
    http.cookies.set(SESSION_COOKIE, token)
    assert http.get("/alerts").status_code == 303, "the old cookie no longer works"


def test_wrong_passwords_lock_out_that_account_from_that_address(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings.model_copy(update={"storyloom_login_max_failures": 3}), client)
    for _ in range(3):
        assert _login(world, "owner@example.org", "wrong password")[1].status_code == 401
    _, locked = _login(world, "owner@example.org", PASSWORD)
    assert locked.status_code == 429 and "Too many" in locked.text
    assert _login(world, "other@example.org", PASSWORD)[1].status_code == 303, (
        "other accounts are not locked")
    assert "owner@example.org" not in str(client.keys("*")), "emails never appear in key names"


def test_unknown_email_and_disabled_account_cannot_log_in(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    assert _login(world, "nobody@example.org", PASSWORD)[1].status_code == 401
    http, csrf = browser_for(world, world.owner)
    assert http.get("/clients").status_code == 200
    world.store.save_account(world.owner.model_copy(update={"disabled": True}))
    assert http.get("/clients").status_code == 303, "a disabled account's session stops"
    assert _login(world, "owner@example.org", PASSWORD)[1].status_code == 401


def test_login_redirects_only_within_the_site(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    http, _ = browser_for(world, None)
    page = http.get("/login?next=//evil.example/x")
    form = {"csrf_token": login_token(page.text), "email": "owner@example.org",
            "password": PASSWORD, "next": "https://evil.example/"}
    assert http.post("/login", data=form).headers["location"] == "/login/code"
    assert world.owner.totp_secret
    assert submit_code(http, totp_code(world.owner.totp_secret)).headers["location"] == "/"
    assert http.cookies.get(LOGIN_CSRF_COOKIE) is None


def test_pages_forbid_scripts_framing_and_caching(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    http, _ = browser_for(world, world.owner)
    headers = http.get(f"/clients/{world.ref}").headers
    assert "script-src" not in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"


def test_every_view_of_client_data_is_audited_without_client_text(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    http, _ = browser_for(world, world.owner)
    page = http.get(f"/clients/{world.ref}")
    assert CANARY in page.text and "<svg" in page.text
    http.get(f"/review/{world.ref}/{world.installment_id}")
    entries = world.store.audit_entries()
    seen = {(e.actor, e.action, e.client) for e in entries}
    assert (world.owner.account_id, "view_client", world.ref) in seen
    assert (world.owner.account_id, "view_review_item", world.ref) in seen
    raw = b"".join(f[b"entry"] for _, f in client.xrange(world.store.keys.audit_log()))
    assert CANARY.encode() not in raw and world.user.encode() not in raw


def test_private_mode_leaves_the_counselor_only_alerts(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    world.store.set_private(world.user, True)
    http, _ = browser_for(world, world.owner)
    page = http.get(f"/clients/{world.ref}")
    assert page.status_code == 200 and "private mode" in page.text
    assert CANARY not in page.text and "suicidal ideation" in page.text
    assert http.get(f"/review/{world.ref}/{world.installment_id}").status_code == 403
    assert world.installment_id not in http.get("/review").text


def test_lifting_a_pause_can_lower_the_risk_level(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    http, csrf = browser_for(world, world.admin)
    assert "paused" in http.get("/alerts").text
    http.post(f"/alerts/{world.alert_id}/resume", data={"csrf_token": csrf, "level": "low"})
    state = world.store.get_safety(world.user)
    assert not state.paused and state.level == "low"
    alert = world.store.get_alert(world.alert_id)
    assert alert is not None and alert.acknowledged_by == world.admin.account_id


def test_users_add_reads_the_password_from_stdin(settings: Settings, client: redis.Redis) -> None:
    def add(email: str, password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli.main", "users", "add", "--email", email, "--role",
             "counselor"], input=password + "\n", text=True, capture_output=True,
            env=cli_env(settings), cwd=ROOT, timeout=120)

    done = add("New@Example.org", "a sturdy password")
    assert done.returncode == 0, done.stderr
    assert "a sturdy password" not in done.stdout + done.stderr
    store = Store.from_settings(settings, client)
    account = store.account_by_email("new@example.org")
    assert account is not None and account.role == "counselor"
    assert account.password_hash.startswith("$argon2id$")
    assert add("new@example.org", "another password").returncode == 1, "duplicate"
    assert "at least" in add("short@example.org", "short").stderr


def test_a_tone_floor_override_is_shown_to_the_counselor(
    settings: Settings, client: redis.Redis
) -> None:
    from bot.dashboard.views import tone_override
    from worker.store.records import GenerationStats, Installment, new_id

    assert tone_override({"tone_override": True, "requested_tone": "despair",
                          "tone_target": "hope"}) == "asked for despair, written as hope"
    assert tone_override({"tone_override": False, "requested_tone": "joy"}) is None
    if "tone_override" not in Installment.model_fields:
        return  # the story engine records overrides on installments once it lands
    world = build_world(settings, client)
    world.store.end_guided(world.user)
    stats = GenerationStats(model="m", prompt_tokens=1, new_tokens=1, seconds=1, tokens_per_s=1)
    inst = Installment.model_validate({
        "user": world.user, "request_id": new_id(), "number": 2, "text": "A calm walk.",
        "tone": "hope", "stats": stats.model_dump(), "requested_tone": "despair",
        "tone_target": "hope", "tone_override": True})
    world.store.save_installment(inst, None)  # type: ignore[arg-type]
    http, _ = browser_for(world, world.owner)
    page = http.get(f"/clients/{world.ref}").text
    assert "Tone safety floor: asked for despair, written as hope" in page
