"""`storyloom serve`: starts each configured adapter and the workers, or says how to configure."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.conftest import ROOT, cli_env
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from worker.settings import Settings

ANA = {"id": 1201, "first_name": "Ana"}
MEMORY = "My grandmother Odile kept a bakery in Lyon."


def test_without_a_token_serve_says_how_to_set_one(settings: Settings) -> None:
    proc = subprocess.run([sys.executable, "-m", "bot.cli.main", "serve"], cwd=ROOT, timeout=60,
                          env=cli_env(settings, TELEGRAM_TOKEN="", DISCORD_TOKEN=""),
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "TELEGRAM_TOKEN" in proc.stderr and "DISCORD_TOKEN" in proc.stderr
    assert ".env" in proc.stderr


def test_serve_runs_both_adapters_and_the_workers(settings: Settings) -> None:
    with FakeTelegram() as tg, FakeDiscord() as dc:
        env = cli_env(settings, TELEGRAM_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url,
                      TELEGRAM_FILE_BASE_URL=tg.base_file_url, DISCORD_TOKEN=dc.token,
                      DISCORD_API_BASE_URL=dc.api_base, DISCORD_GATEWAY_URL=dc.gateway_url)
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            tg.wait_for_sync(lambda: tg.calls("getUpdates"), timeout=120)
            dc.wait_for_sync(lambda: dc.connected and dc.commands(), timeout=60)
            tg.push_command(ANA["id"], ANA, "agree")
            tg.push_text(ANA["id"], ANA, MEMORY)
            # the NLU worker (a child process) answers through the delivery stream
            tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2, timeout=180)
        finally:
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err[-2000:]
    assert "telegram adapter: on" in err and "discord adapter: on" in err
    assert "workers: nlu, generate" in err
    assert "telegram adapter on (@storyloom_test_bot, long polling)" in err
    assert (tg.sent(ANA["id"])[1].text or "").endswith("?")
    logs = err + "".join(p.read_text() for p in (settings.storyloom_data_dir / "logs").glob("*"))
    assert "Odile" not in logs and "Lyon" not in logs, "message text never reaches the logs"
    assert tg.token not in logs and dc.token not in logs, "tokens never reach the logs"
