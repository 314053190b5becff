"""End-to-end timings of storyloom on this machine (issue 2's numbers).

- first-run start of `storyloom chat` (fresh cache: includes the one-time model
  conversion) and warm start: seconds until the chat is ready for input;
- time from `/story` to the delivered installment in `storyloom demo`;
- generation tokens/s of the bundled model (from the installment's own stats).

Usage: python scripts/bench_e2e.py [--redis-url URL]   (default: embedded Redis)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANNER = "storyloom: tell me about your life"


def _env(data: Path, cache: Path, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORYLOOM_", "REDIS_"))}
    env.update(STORYLOOM_DATA_DIR=str(data), STORYLOOM_CACHE_DIR=str(cache),
               PYTHONPATH=str(ROOT))
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def chat_start(env: dict[str, str]) -> float:
    """Seconds from launching `storyloom chat` to its banner (ready for input)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "chat"], env=env, cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    for line in proc.stdout:
        if line.startswith(BANNER):
            break
    ready = time.perf_counter() - started
    proc.stdin.close()
    proc.wait(timeout=120)
    return ready


def story_latency(env: dict[str, str], script: Path) -> tuple[float, dict[str, object]]:
    """Seconds from sending /story to the installment line, and that installment."""
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "demo", "--json", "--script",
                             str(script), "--user", f"bench{os.getpid()}"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    sent = None
    installment: dict[str, object] = {}
    latency = float("nan")
    for line in proc.stdout:
        obj = json.loads(line)
        if obj["type"] == "reply" and obj["text"].startswith("Writing the next part"):
            sent = time.perf_counter()
        if obj["type"] == "installment" and sent is not None:
            latency = time.perf_counter() - sent
            installment = obj
    proc.wait(timeout=600)
    return latency, installment


def generation_speed(cache: Path, new_tokens: int = 128) -> tuple[float, str]:
    """Tokens/s of one installment-sized generate call with the bundled model."""
    sys.path.insert(0, str(ROOT))
    from worker.llm.model import LanguageModel
    from worker.settings import Settings

    model = LanguageModel.load(Settings(_env_file=None, storyloom_cache_dir=cache))
    messages = [{"role": "user", "content": "Write one paragraph about a summer in Lisbon."}]
    model.generate(messages, max_new_tokens=8, temperature=0.8, top_p=0.9, seed=0)  # warm-up
    gen = model.generate(messages, max_new_tokens=new_tokens, temperature=0.8, top_p=0.9,
                         seed=0)
    return gen.stats.tokens_per_s, f"{gen.stats.new_tokens} tokens in {gen.stats.seconds:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, cache = Path(tmp) / "data", Path(tmp) / "cache"
        env = _env(data, cache, args.redis_url)
        first = chat_start(env)
        warm = chat_start(env)
        latency, _ = story_latency(env, ROOT / "examples" / "first-memories.txt")
        tps, detail = generation_speed(cache)
    print(f"chat first-run start (incl. model conversion): {first:6.1f} s")
    print(f"chat warm start:                               {warm:6.1f} s")
    print(f"/story -> delivered installment (demo):        {latency:6.1f} s")
    print(f"bundled model generation:                      {tps:6.1f} tokens/s ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
