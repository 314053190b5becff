"""The logs of an end-to-end run never contain what the user said, the names in it, nor the
user's id."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_end_to_end import run_demo
from worker.settings import Settings

SECRETS = ("Evangelina", "Marchetti", "Orta", "row on", "better off without me", "Bia")


def test_an_end_to_end_run_logs_no_text_and_no_names(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "life.txt"
    script.write_text(
        "My cousin Evangelina Marchetti taught me to row on Lake Orta in 1971.\n"
        "/pseudonym Evangelina Bia\n"
        "/story\n"
        "I keep thinking everyone would be better off without me.\n"
        "/story\n"
    )
    out = run_demo(settings, script, user="u1")
    kinds = [o["type"] for o in out]
    assert "installment" in kinds, "the run wrote an installment"
    assert any("988" in o.get("text", "") for o in out), "the crisis reply was sent"
    written = [o["text"] for o in out if o["type"] == "installment"]
    logs = sorted((settings.storyloom_data_dir / "logs").glob("*.log"))
    assert {p.name for p in logs} >= {"demo.log", "worker-nlu.log", "worker-generate.log"}
    text = "\n".join(p.read_text(errors="replace") for p in logs)
    assert "local:u1" not in text, "a user id in the logs (worker.ops.logs hashes them)"
    assert re.search(r"\bu-[0-9a-f]{12}\b", text), "the logs name users by a keyed hash"
    leaked = [s for s in SECRETS if s in text]
    leaked += [w[:40] for w in written if w[:40] in text]
    assert leaked == [], f"user text in the logs: {leaked}"
