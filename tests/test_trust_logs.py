"""Logs name no user: a keyed hash instead of the id, and a safety alert by its id only."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, cli_env
from worker.conversation.intake import receive_text
from worker.ops.runtime import WorkerContext
from worker.store import crypto

USER = "telegram:580317"
CHAT_ID = "580317"
WORDS = ("I kept rowing on the Vistula with my brother Jerzy every summer.",
         "Some nights I think everyone would be better off without me.")


def test_worker_logs_carry_no_user_id_and_no_matched_rules(ctx: WorkerContext) -> None:
    store, settings = ctx.store, ctx.settings
    store.give_consent(USER, "telegram")
    for n, text in enumerate(WORDS):
        receive_text(store, settings, user=USER, platform="telegram", chat_id=CHAT_ID, text=text,
                     turn_id=f"tg-{CHAT_ID}-{n}")
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", "worker", "nlu", "--burst"],  # noqa: S603
                          env=cli_env(settings, STORYLOOM_LOG_LEVEL="DEBUG"), cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    [alert] = store.user_alerts(USER)  # the risky turn was assessed
    log = done.stdout + done.stderr
    assert CHAT_ID not in log, [ln for ln in log.splitlines() if CHAT_ID in ln][:5]
    key = settings.storyloom_master_key
    assert key is not None
    from worker.ops.logs import who  # (base: no keyed names)

    crypto.install(crypto.MasterKey(crypto.parse_master(key.get_secret_value()), "test"))
    named = who(USER)
    [warning] = [ln for ln in log.splitlines() if "WARNING" in ln and "safety" in ln]
    assert named in warning and alert.alert_id in warning, warning
    assert "tg-" not in warning and "better off" not in warning and "(" not in warning, warning
