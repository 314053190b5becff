"""`storyloom bench`: every performance claim as a ratio measured side by side in one run.

Each row times both of its sides in this run, on this machine, and prints the
conditions. Rows whose subject is not built yet print ``pending: <why>``.
docs/benchmarks.md holds a recorded table and how to reproduce it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from bench.model import Row
from bench.precision import machine_line
from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ROWS = ("batched", "bandwidth", "int8", "precision", "nlu", "ingest", "rq", "lora", "adapters",
        "users", "pacing")
# what each pending row waits for: (a path that appears when it lands, the reason)
WAITING = {
    "pacing": ("bot/telegram", "outbound pacing vs Telegram limits needs issue 5 "
               "(bot/telegram) on main"),
}


def _pending(name: str) -> Row:
    path, why = WAITING[name]
    if (ROOT / path).exists():
        why = f"{path} landed; this row is not wired to its benchmark yet"
    return Row(name, None, "", "", why)


def _model_rows(settings: Settings, wanted: set[str], repeat: int, tokens: int,
                out: list[Row]) -> tuple[float, float] | None:
    """The model rows; returns (prefill seconds, seconds per token) for the RQ row."""
    if not wanted & {"batched", "bandwidth", "int8", "precision", "rq", "adapters", "users",
                     "lora"}:
        return None
    from bench.model import decode_seconds, int8_rows, row_bandwidth, row_batched
    from worker.llm.model import LanguageModel

    lm = LanguageModel.load(settings)
    batch = 16 if lm.device.startswith("cuda") else 4
    if "batched" in wanted:
        out.append(row_batched(lm, batch, tokens, repeat))
    bandwidth, per_token = row_bandwidth(lm, tokens, repeat)
    if "bandwidth" in wanted:
        out.append(bandwidth)
    if "int8" in wanted:
        if lm.device == "cpu" and "+int8" not in lm.identity:
            out += int8_rows(lm, tokens, repeat, per_token)
        else:
            out.append(Row("int8 vs fp32", None, "", "", "int8 is a CPU option; run with "
                           "STORYLOOM_DEVICE=cpu STORYLOOM_QUANTIZE=none"))
    if "precision" in wanted:
        from bench.precision import row_story

        out.append(row_story(lm, tokens, repeat, per_token))
    if "adapters" in wanted:
        from bench.learning import row_adapters

        out.append(row_adapters(lm, tokens, repeat))
    if "users" in wanted:
        from bench.learning import row_users

        out.append(row_users(lm, max(tokens, 32), repeat))
    if "lora" in wanted:
        from bench.learning import row_lora

        out.append(row_lora(lm, settings, repeat))
    return decode_seconds(lm, 1, 1, repeat), per_token


def collect(settings: Settings, wanted: set[str], repeat: int, tokens: int) -> list[Row]:
    """Measure the wanted rows, in an order where each reuses what came before."""
    out: list[Row] = []
    timing = _model_rows(settings, wanted, repeat, tokens, out)
    if "precision" in wanted:
        from bench.precision import row_emotions, row_safety
        from bench.system import load_script

        script = load_script("bench_nlu")
        texts = [t[1] for t in script.make_turns(400)] if script is not None else []
        out += [row_emotions(texts, repeat), row_safety(texts, repeat)]
    if "nlu" in wanted:
        from bench.system import row_nlu

        out.append(row_nlu(400, repeat))
    if wanted & {"ingest", "rq"}:
        from bench.system import row_ingest, row_rq
        from worker.ops.connection import open_redis

        client, embedded = open_redis(settings)
        try:
            if "ingest" in wanted:
                out.append(row_ingest(client, settings, 300))
            if "rq" in wanted and timing is not None:
                prefill, per_token = timing
                length = settings.storyloom_max_new_tokens
                out.append(row_rq(client, 50, prefill + length * per_token, length))
        finally:
            client.close()
            if embedded is not None:
                embedded.stop()
    if "pacing" in wanted:
        from bench.system import row_pacing

        out.append(row_pacing() if (ROOT / "bot" / "telegram").exists() else _pending("pacing"))
    where = machine_line()
    return [replace(r, machine=where) for r in out]


def render(rows: list[Row]) -> str:
    """The table: one row per ratio, with what was measured and under which conditions."""
    lines = [f"{'row':<42} {'ratio':>8}  {'measured (A vs B)':<40} conditions", "-" * 120]
    lines += sorted({f"(every row measured on {r.machine})" for r in rows if r.machine})
    for r in rows:
        if r.pending:
            lines.append(f"{r.name:<42} {'':>8}  pending: {r.pending}")
        else:
            ratio = f"{r.ratio:.3g}x" if r.ratio is not None else "-"
            lines.append(f"{r.name:<42} {ratio:>8}  {r.measured:<40} {r.conditions}")
    return "\n".join(lines)


def header(settings: Settings) -> str:
    """The run's conditions: machine (CPU, cores, ISA flags), torch, threads, load, model."""
    return (f"storyloom bench on {machine_line()}: load average {os.getloadavg()[0]:.1f}, "
            f"model {settings.storyloom_model}, device {settings.storyloom_device}, "
            f"STORYLOOM_QUANTIZE={settings.storyloom_quantize}, "
            f"STORYLOOM_EMOTION_PRECISION={settings.storyloom_emotion_precision}")


def run_bench(settings: Settings, rows: str, repeat: int, tokens: int, as_json: bool,
              say: Callable[[str], None] = print) -> int:
    """Run the suite (or the named rows) and print one table (or JSON lines)."""
    wanted = set(ROWS) if rows == "all" else {r.strip() for r in rows.split(",")}
    unknown = wanted - set(ROWS)
    if unknown:
        print(f"storyloom bench: unknown rows {sorted(unknown)}; rows: {', '.join(ROWS)}",
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    print(header(settings), file=sys.stderr if as_json else sys.stdout, flush=True)
    measured = collect(settings, wanted, repeat, tokens)
    if as_json:
        for r in measured:
            say(json.dumps(asdict(r)))
    else:
        say(render(measured))
        say(f"({time.perf_counter() - started:.0f}s)")
    return 0
