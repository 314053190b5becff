"""`storyloom eval perplexity --json` and `storyloom adapters list|rollback` as other tools
call them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, cli_env
from tests.learning_support import private_copy, register_adapter
from worker.ops.runtime import WorkerContext


def _cli(ctx: WorkerContext, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], cwd=ROOT,
                          env=cli_env(ctx.settings), capture_output=True, text=True,
                          timeout=600)


def test_eval_perplexity_json_and_adapter_commands(
    ctx: WorkerContext, tmp_path: Path, language_model  # type: ignore[no-untyped-def]
) -> None:
    text = tmp_path / "held-out.txt"
    text.write_text("My sister Margaret and I shared a bedroom above the shop on Calder Street.")
    before = _cli(ctx, "eval", "perplexity", "--user", "ada", "--text", str(text), "--json")
    assert before.returncode == 0, before.stderr
    [line] = before.stdout.splitlines()
    result = json.loads(line)
    assert set(result) == {"base", "adapter"}
    assert result["adapter"] is None and result["base"] > 1

    version = register_adapter(ctx.settings, ctx.store, private_copy(language_model), "local:ada")
    after = json.loads(_cli(ctx, "eval", "perplexity", "--user", "ada", "--text", str(text),
                            "--json").stdout)
    assert after["base"] == result["base"]
    assert isinstance(after["adapter"], float) and after["adapter"] != after["base"]

    listed = _cli(ctx, "adapters", "list", "--user", "ada", "--json")
    [row] = [json.loads(x) for x in listed.stdout.splitlines()]
    assert row["version_id"] == version.version_id and row["current"] is True
    rolled = _cli(ctx, "adapters", "rollback", "--user", "ada")
    assert json.loads(rolled.stdout) == {"current": None, "version_id": None}
    assert ctx.store.current_adapter("local:ada") is None
    assert _cli(ctx, "adapters", "rollback", "--user", "ada").returncode == 1
