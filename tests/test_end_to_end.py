"""A told memory becomes a story installment, through the real CLI, Redis, RQ and model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

from tests.conftest import ROOT, cli_env
from worker.settings import Settings

SCRIPT = ROOT / "examples" / "first-memories.txt"


def run_demo(
    settings: Settings, script: Path, user: str = "demo", **env: str
) -> list[dict[str, Any]]:
    """Run `storyloom demo --json` and parse its JSON lines."""
    environ = cli_env(settings, **env)
    if env.get("REDIS_URL") == "":  # a newcomer's machine: no Redis and no key configured
        environ.pop("STORYLOOM_MASTER_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "demo", "--script", str(script), "--json",
         "--user", user],
        env=environ, cwd=ROOT, capture_output=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


def _of(out: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in out if o["type"] == kind]


def test_demo_writes_an_installment_about_the_users_life(settings: Settings) -> None:
    out = run_demo(settings, SCRIPT)
    assert out[-1]["type"] == "profile"
    profile = out[-1]["profile"]
    people = {p["name"] for p in profile["people"]}
    places = {p["name"] for p in profile["places"]}
    assert "Maria" in people
    assert "Lisbon" in places
    assert profile["events"], "the demo's life events should be on the timeline"
    [installment] = _of(out, "installment")
    assert installment["tone"] == "auto"
    assert any(name in installment["text"] for name in people | places)
    replies = _of(out, "reply")
    assert any("/story" in r["text"] for r in replies), "/help lists the commands"
    assert any("Maria" in r["text"] for r in replies), "/profile shows Maria"
    # one conversational reply per message, asking something back
    told = [r for r in replies if r["text"].endswith("?")]
    assert len(told) >= 3


def test_a_second_demo_continues_the_same_story(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "more.txt"
    script.write_text("My brother Tom taught me to swim in the lake near Braga.\n/story\n")
    first = run_demo(settings, SCRIPT, user="ines")
    second = run_demo(settings, script, user="ines")
    profile = second[-1]["profile"]
    assert {"Maria", "Tom"} <= {p["name"] for p in profile["people"]}
    assert len(_of(first, "installment")) == len(_of(second, "installment")) == 1
    assert profile["turns_applied"] == 4


def _redis_servers(data_dir: Path) -> set[int]:
    """The redis-servers serving this data folder (others on a shared machine are not ours)."""
    return {p.pid for p in psutil.process_iter(["name", "cmdline"])
            if p.info["name"] == "redis-server"
            and str(data_dir) in " ".join(p.info["cmdline"] or ())}


def test_embedded_defaults_persist_and_leave_no_server_behind(
    settings: Settings, tmp_path: Path
) -> None:
    embedded = settings.model_copy(update={"redis_url": None, "storyloom_data_dir": tmp_path})
    script = tmp_path / "one.txt"
    script.write_text("My aunt Rosa lived in Coimbra.\n")
    run_demo(embedded, script, REDIS_URL="")
    assert _redis_servers(tmp_path) == set(), "the embedded Redis outlived the command"
    assert (tmp_path / "redis" / "appendonlydir").exists() or (tmp_path / "redis").exists()
    script.write_text("/profile\n")
    out = run_demo(embedded, script, REDIS_URL="")
    assert "Rosa" in out[0]["text"], "the profile survived the restart"
    assert _redis_servers(tmp_path) == set()


def test_chat_on_a_newcomers_machine_answers_and_quits(
    settings: Settings, tmp_path: Path
) -> None:
    """README's first command, `storyloom chat`, with no Redis and no key configured."""
    environ = cli_env(settings.model_copy(update={"storyloom_data_dir": tmp_path}),
                      REDIS_URL="")
    environ.pop("STORYLOOM_MASTER_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "chat", "--user", "newcomer"],
        input="My aunt Rosa kept bees behind her house in Coimbra.\n/quit\n", text=True,
        env=environ, cwd=ROOT, capture_output=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    replies = [line for line in proc.stdout.splitlines() if "storyloom>" in line]
    assert replies and "slow right now" not in proc.stdout, proc.stdout[-2000:]
    assert (tmp_path / "master.key").exists(), "the embedded setup keeps its key beside its data"
    assert _redis_servers(tmp_path) == set(), "the embedded Redis outlived the chat"
