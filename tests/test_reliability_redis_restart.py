"""Redis killed and restarted under load: no acknowledged turn is lost, none applied twice.

The test's Redis runs with the append-only file and ``appendfsync always``, so
a write Redis acknowledged is on disk. Production runs ``everysec``
(deploy/redis/redis.conf): there a crash of the Redis host can lose the last
second of acknowledged writes; a crash of Redis alone (the OS still up) loses
nothing, since the OS still flushes what was written.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import redis

from tests.conftest import MODEL_CACHE, ROOT, cli_env
from tests.redis_procs import RedisProc
from worker.conversation.intake import receive_text
from worker.settings import Settings
from worker.store.store import Store

PORT = 6390
USERS = ("local:r1", "local:r2", "local:r3")
TEXTS = ["My cousin Ines taught me to swim in Cascais.", "In 2001 we moved to Coimbra.",
         "I was nervous on my first day at the bakery.", "Grandpa Luis played the accordion."]
PER_USER = 16


def _load(store: Store, settings: Settings, acked: dict[str, list[str]], stop: threading.Event,
          ) -> None:
    """An adapter's behaviour: a message is retried with its id until Redis acknowledges it."""
    for n in range(PER_USER):
        for user in USERS:
            turn_id = uuid.uuid4().hex
            while not stop.is_set():
                try:
                    receive_text(store, settings, user=user, platform="local", chat_id=user,
                                 text=f"{TEXTS[n % 4]} ({n})", turn_id=turn_id)
                    acked[user].append(turn_id)
                    break
                except redis.RedisError:
                    time.sleep(0.05)
        time.sleep(0.1)


def test_redis_killed_and_restarted_under_load_loses_no_acknowledged_turn(
    tmp_path: Path,
) -> None:
    server = RedisProc(tmp_path / "redis", PORT, "--appendonly", "yes",
                       "--appendfsync", "always", "--save", "").start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url=f"redis://127.0.0.1:{PORT}/0", storyloom_data_dir=tmp_path / "data",
        storyloom_cache_dir=MODEL_CACHE, storyloom_key_prefix="slrestart", storyloom_seed=1,
    )
    client = redis.Redis(host="127.0.0.1", port=PORT, socket_timeout=5,
                         socket_connect_timeout=1)
    store = Store.from_settings(settings, client)  # the workers use the same master key
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([sys.executable, "-m", "bot.cli.main", "worker", "nlu"],
                              env=cli_env(settings), cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=log.open("wb"))
    acked: dict[str, list[str]] = {u: [] for u in USERS}
    stop = threading.Event()
    load = threading.Thread(target=_load, args=(store, settings, acked, stop))
    try:
        load.start()
        while sum(map(len, acked.values())) < 15:
            time.sleep(0.02)
        server.kill()  # mid-load, without a save
        time.sleep(1.0)
        server.start()
        load.join(timeout=300)
        assert not load.is_alive()
        deadline = time.monotonic() + 300
        while any(store.get_profile(u).turns_applied < len(acked[u]) for u in USERS):
            assert worker.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "turns were lost"
            time.sleep(0.2)
        time.sleep(1.0)
        for user in USERS:
            assert len(acked[user]) == PER_USER
            assert store.get_profile(user).turns_applied == PER_USER
            assert all(store.is_applied(user, t) for t in acked[user])
            replies = [d.in_reply_to for _, d in store.deliveries_after(user, "local", 1000)]
            assert sorted(replies) == sorted(acked[user]), "one reply per turn"
    finally:
        stop.set()
        load.join(timeout=10)
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        client.close()
        server.kill()
