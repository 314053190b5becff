"""Login under pressure (issue 15 item 12): hashing capped, attempts counted before they are
checked, and the client's address taken from trusted proxies only.

argon2id takes 64 MiB a hash, so the number of hashes running at once is the login
path's memory; a spy around the real hasher counts them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
import redis
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from bot.dashboard import security
from tests.dashboard_support import (
    PASSWORD,
    World,
    build_world,
    login_token,
    submit_code,
    submit_login,
    totp_code,
)
from worker.settings import Settings


class CountingHasher(PasswordHasher):
    """The real argon2 hasher, counting how many verifications run at once."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.running = self.peak = self.calls = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        with self.lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        try:
            return super().verify(hash, password)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingHasher]:
    spy = CountingHasher()
    monkeypatch.setattr(security, "_hasher", spy)
    yield spy


def _browser(world: World, peer: str = "192.0.2.10") -> TestClient:
    return TestClient(world.app, base_url="https://testserver", follow_redirects=False,
                      client=(peer, 40000))


def _parallel_guesses(world: World, n: int, password: str) -> list[httpx.Response]:
    """n browsers (one address) post the login form at the same moment."""
    browsers = [_browser(world) for _ in range(n)]
    forms = []
    for http in browsers:
        page = http.get("/login")
        forms.append({"csrf_token": login_token(page.text), "email": "owner@example.org",
                      "password": password, "next": "/"})
    start = threading.Barrier(n)
    out: list[httpx.Response | None] = [None] * n

    def post(i: int) -> None:
        start.wait()
        out[i] = browsers[i].post("/login", data=forms[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


def test_parallel_logins_hash_no_more_than_the_setting_at_once(
    settings: Settings, client: redis.Redis, hasher: CountingHasher
) -> None:
    world = build_world(settings.model_copy(update={
        "storyloom_login_max_hashing": 2, "storyloom_login_max_failures": 100}), client)
    responses = _parallel_guesses(world, 8, "a wrong password")
    print(f"\n8 parallel logins: peak {hasher.peak} argon2 hashes at once "
          f"({hasher.peak * 64} MiB), statuses {sorted(r.status_code for r in responses)}")
    assert hasher.peak <= 2, f"{hasher.peak} argon2 hashes (64 MiB each) ran at once"
    assert {r.status_code for r in responses} <= {401, 503}
    for busy in (r for r in responses if r.status_code == 503):
        assert busy.headers["retry-after"] and "Try again" in busy.text


def test_a_login_finding_every_hashing_slot_taken_is_told_to_retry_at_once(
    settings: Settings, client: redis.Redis, hasher: CountingHasher
) -> None:
    world = build_world(settings.model_copy(update={"storyloom_login_max_hashing": 1}), client)
    gate = world.app.state.dashboard.hashing
    assert gate.acquire(blocking=False), "one hash is running (held by the test)"
    try:
        http = _browser(world)
        busy = submit_login(http, "owner@example.org", PASSWORD)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
        assert hasher.calls == 0, "nothing was hashed while every slot was taken"
    finally:
        gate.release()
    assert submit_login(http, "owner@example.org", PASSWORD).headers["location"] == "/login/code"


def test_parallel_wrong_guesses_cannot_overtake_the_limit(
    settings: Settings, client: redis.Redis, hasher: CountingHasher
) -> None:
    world = build_world(settings.model_copy(update={
        "storyloom_login_max_hashing": 16, "storyloom_login_max_failures": 3}), client)
    responses = _parallel_guesses(world, 10, "a wrong password")
    statuses = sorted(r.status_code for r in responses)
    print(f"\n10 parallel wrong guesses, limit 3: {hasher.calls} passwords checked, "
          f"statuses {statuses}")
    assert hasher.calls == 3, f"{hasher.calls} guesses were checked against a limit of 3"
    assert statuses == [401] * 3 + [429] * 7
    assert submit_login(_browser(world), "owner@example.org", PASSWORD).status_code == 429


def _login_via_proxy(world: World, forwarded: str, password: str, peer: str = "10.0.0.5"
                     ) -> httpx.Response:
    http = _browser(world, peer)
    http.headers["x-forwarded-for"] = forwarded
    first = submit_login(http, "owner@example.org", password)
    if first.status_code != 303 or first.headers["location"] != "/login/code":
        return first
    assert world.owner.totp_secret
    return submit_code(http, totp_code(world.owner.totp_secret))


def test_one_proxys_users_cannot_lock_a_counselor_out(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings.model_copy(update={
        "storyloom_login_max_failures": 3, "storyloom_trusted_proxies": "10.0.0.0/8"}), client)
    for _ in range(3):
        assert _login_via_proxy(world, "203.0.113.9", "a wrong password").status_code == 401
    assert _login_via_proxy(world, "203.0.113.9", PASSWORD).status_code == 429, (
        "the guesser's own address is locked out")
    done = _login_via_proxy(world, "198.51.100.7, 10.0.0.9", PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/alerts", (
        "the counselor, behind the same proxy, still logs in")
    details = [e.detail or "" for e in world.store.audit_entries()
               if e.action in ("login_failed", "login_throttled")]
    assert details and all("203.0.113.9" in d for d in details)


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings.model_copy(update={
        "storyloom_login_max_failures": 3, "storyloom_trusted_proxies": "10.0.0.0/8"}), client)
    for fake in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert _login_via_proxy(world, fake, "a wrong password",
                                peer="192.0.2.77").status_code == 401
    assert _login_via_proxy(world, "198.51.100.4", PASSWORD, peer="192.0.2.77"
                            ).status_code == 429, "a made-up X-Forwarded-For escapes nothing"
