"""The dashboard in a real headless browser (Debian's chromium driven by Playwright).

Chromium comes from Debian (`apt-get install -y chromium`; .ci/run installs it);
Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import uvicorn

from tests.dashboard_support import CANARY, PASSWORD, World, build_world, totp_code
from worker.counsel.records import Account
from worker.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists() or shutil.which("chromium") is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium: apt-get install -y chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)",
                allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(settings: Settings, client: redis.Redis) -> Iterator[tuple[World, str]]:
    """The dashboard on a real uvicorn server over local http (cookies not Secure)."""
    world = build_world(settings.model_copy(update={"storyloom_secure_cookies": False}), client)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(world.app, host="127.0.0.1", port=port,
                                           log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.05)
    yield world, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(served: tuple[World, str]) -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _log_in(page, base: str, account: Account) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/clients")
    assert "/login" in page.url, "an anonymous browser is sent to the login page"
    page.fill("input[name=email]", account.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/login/code")
    assert account.totp_secret
    page.fill("input[name=code]", totp_code(account.totp_secret))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/clients")


def test_a_counselor_logs_in_sees_the_alert_and_approves_an_installment(
    served: tuple[World, str], page  # type: ignore[no-untyped-def]
) -> None:
    world, base = served
    _log_in(page, base, world.owner)
    assert page.locator("#clients").inner_text().count(world.ref) == 1

    page.click("text=Alerts")
    row = page.locator(f"#alert-{world.alert_id}")
    assert "high" in row.inner_text() and "suicidal ideation" in row.inner_text()

    page.click(f"a[href='/clients/{world.ref}']")
    assert page.locator("#paused").is_visible()
    assert CANARY in page.locator("#timeline").inner_text()
    assert page.locator("#people-graph").count() == 1

    page.click("text=Review")
    page.click(f"a[href='/review/{world.ref}/{world.installment_id}']")
    assert CANARY in page.locator("#text").input_value()
    page.click("#approve")
    page.wait_for_url(f"{base}/review")
    assert page.locator("#empty").is_visible()
    sent = [d for _, d in world.store.deliveries_after(world.user, "telegram")]
    assert any(d.kind == "installment" and CANARY in d.text for d in sent)


def test_a_counselor_is_refused_another_counselors_client(
    served: tuple[World, str], page  # type: ignore[no-untyped-def]
) -> None:
    world, base = served
    _log_in(page, base, world.other)
    response = page.goto(f"{base}/clients/{world.ref}")
    assert response is not None and response.status == 403
    assert "not one of your clients" in page.locator("#message").inner_text()
    assert CANARY not in page.content()
    page.goto(f"{base}/review/{world.ref}/{world.installment_id}")
    assert CANARY not in page.content()
    page.goto(f"{base}/alerts")
    assert world.alert_id not in page.content()
