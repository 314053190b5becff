"""Measure one Telegram adapter process: turns/s it stores into Redis, and update->turn latency.

The adapter runs as `storyloom serve --no-workers` (one process) against the local fake Bot
API; consented users send text updates. Throughput: a burst of --burst updates, counted from
the first push to the last turn stored. Latency: --paced updates at --rate per second, each
from the moment the update is available on the Bot API to the moment Redis stored its turn
(the turns-stream entry id is Redis's clock in ms; both clocks are this machine's).

Run: PYTHONPATH=. python scripts/bench_adapters.py [--burst 2000] [--paced 500] [--rate 50]
     [--users 50] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from worker.store.crypto import MasterKey, new_data_key  # noqa: E402
from worker.store.keys import Keys  # noqa: E402
from worker.store.records import Turn  # noqa: E402
from worker.store.store import Store  # noqa: E402

# one throwaway master key for the bench and its adapter process (turns are sealed)
MASTER = MasterKey(new_data_key(), "bench")


def start_adapter(tg: FakeTelegram, redis_url: str, prefix: str, data: Path) -> subprocess.Popen:
    """One adapter process, long polling the fake, storing into Redis under prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORYLOOM_", "REDIS_"))}
    env.update(REDIS_URL=redis_url, STORYLOOM_KEY_PREFIX=prefix, STORYLOOM_DATA_DIR=str(data),
               STORYLOOM_MASTER_KEY=MASTER.key.hex(),
               STORYLOOM_LOG_LEVEL="WARNING", TELEGRAM_TOKEN=tg.token,
               TELEGRAM_API_BASE_URL=tg.base_url, TELEGRAM_FILE_BASE_URL=tg.base_file_url,
               PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "bot.cli.main", "serve", "--no-workers"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stored_at(store: Store) -> dict[str, float]:
    """turn_id -> when Redis stored it (seconds, from the stream entry id)."""
    out: dict[str, float] = {}
    for entry_id, fields in store.turn_stream_entries():
        stream = store.keys.turns_stream(store.keys.turn_shard(fields[b"user"].decode()))
        turn = store._load(Turn, fields[b"turn"], stream, fields[b"user"].decode())
        if turn is not None:
            out[turn.turn_id] = int(entry_id.split(b"-")[0]) / 1000.0
    return out


def push(tg: FakeTelegram, users: int, count: int, rate: float | None,
         offset: int) -> dict[str, float]:
    """Push count text updates round-robin over users; turn_id -> push time."""
    pushed: dict[str, float] = {}
    start = time.time()
    for n in range(count):
        if rate:
            delay = start + n / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        uid = 10_000 + (offset + n) % users
        at = time.time()
        message = tg.push_text(uid, {"id": uid, "first_name": f"U{uid}"},
                               f"In {1950 + n % 60} my friend number {n} and I walked to the sea.")
        pushed[f"tg-{uid}-{message['message_id']}"] = at
    return pushed


def wait_stored(store: Store, want: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while store.turn_stream_length() < want:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {store.turn_stream_length()}/{want} "
                               "turns stored")
        time.sleep(0.01)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--paced", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL",
                                                              "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    prefix = f"bench-adapters-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(args.redis_url)
    store = Store(client, Keys(prefix), MASTER)
    for n in range(args.users):
        store.give_consent(f"telegram:{10_000 + n}", "telegram")
    results: dict[str, object] = {}
    with FakeTelegram() as tg, tempfile.TemporaryDirectory() as data:
        proc = start_adapter(tg, args.redis_url, prefix, Path(data))
        try:
            tg.wait_for_sync(lambda: tg.calls("getUpdates"), timeout=60)
            started = time.time()
            pushed = push(tg, args.users, args.burst, None, 0)
            wait_stored(store, args.burst, timeout=600)
            done = max(stored_at(store).values())
            results["burst"] = {"turns": args.burst, "seconds": round(done - started, 3),
                                "turns_per_s": round(args.burst / (done - started), 1)}
            paced = push(tg, args.users, args.paced, args.rate, args.burst)
            wait_stored(store, args.burst + args.paced, timeout=600)
            stored = stored_at(store)
            lat = [(stored[t] - at) * 1000 for t, at in paced.items()]
            burst_lat = [(stored[t] - at) * 1000 for t, at in pushed.items()]
            results["paced"] = {
                "turns": args.paced, "rate_per_s": args.rate,
                "p50_ms": round(statistics.median(lat), 1),
                "p99_ms": round(percentile(lat, 0.99), 1), "max_ms": round(max(lat), 1)}
            results["burst"]["p50_ms"] = round(statistics.median(burst_lat), 1)  # type: ignore[index]
            results["burst"]["p99_ms"] = round(percentile(burst_lat, 0.99), 1)  # type: ignore[index]
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
            if proc.returncode:
                print(err.decode()[-2000:], file=sys.stderr)
            for key in client.scan_iter(match=f"{prefix}:*", count=1000):
                client.delete(key)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
