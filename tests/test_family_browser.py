"""The family page in a real headless browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import uvicorn

from bot.dashboard.app import create_app
from tests.book_support import make_story
from worker.conversation.command import CommandContext
from worker.conversation.commands import dispatch
from worker.settings import Settings
from worker.store.store import Store

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists() or shutil.which("chromium") is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Debian's chromium: apt-get install -y chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)",
                allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
GRAN = "telegram:901"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(settings: Settings, client: redis.Redis) -> Iterator[tuple[Store, str, str]]:
    """The app on a real uvicorn server, with one user's story and a family link to it."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    tuned = settings.model_copy(update={"storyloom_secure_cookies": False,
                                        "storyloom_dashboard_url": base})
    app = create_app(tuned, client)
    store: Store = app.state.dashboard.store
    make_story(store, tuned, GRAN, canary="Casimiro", photos=2)
    answer = dispatch(CommandContext(tuned, store, client), GRAN, "family", "link 30").text
    url = re.search(r"http://\S+", answer)
    assert url is not None
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield store, base, url.group(0)
    server.should_exit = True
    thread.join(timeout=10)


def test_the_family_reads_the_story_sees_photos_and_leaves_a_question(
        served: tuple[Store, str, str]) -> None:
    store, base, link = served
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            asked: list[str] = []
            page.on("request", lambda r: asked.append(r.url))
            response = page.goto(link)
            assert response is not None and response.status == 200
            assert page.locator("#title").inner_text() == "Flour and Letters"
            assert "Casimiro" in page.locator("#book").inner_text()
            assert page.locator("#timeline circle").count() >= 3
            images = page.locator("#book img")
            assert images.count() == 2
            loaded = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
            assert loaded and all(w > 0 for w in loaded), "the photos show"
            assert all(u.startswith(base) for u in asked), "nothing asked of any other site"
            page.fill("textarea[name=question]", "Ask Grandma about the war years")
            page.fill("input[name=name]", "Rui")
            page.click("#send")
            page.wait_for_selector("#sent")
            notices = [d.text for _, d in store.deliveries_after(GRAN, "telegram")
                       if d.kind == "notice"]
            assert len(notices) == 1 and "war years" in notices[0]
            gone = page.goto(f"{base}/family/{'Q' * 43}")
            assert gone is not None and gone.status == 404
            assert "Casimiro" not in page.content()
        finally:
            browser.close()
