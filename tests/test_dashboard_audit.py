"""The audit log (issue 15 item 14): failed logins and admins' reads are written; the log is
a hash chain in which an edited or removed entry shows; it is kept by time, not count,
and exported to an append-only JSONL file that can be checked on its own."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

from bot.dashboard.app import api_routes
from tests.conftest import ROOT, cli_env
from tests.dashboard_support import PASSWORD, browser_for, build_world, submit_login
from worker.counsel.records import AuditEntry
from worker.settings import Settings
from worker.store.store import Store


def _actions(store: Store) -> list[tuple[str, str]]:
    return [(e.actor, e.action) for e in store.audit_entries(10_000)]


def test_failed_logins_are_audited(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    submit_login(browser_for(world, None)[0], "owner@example.org", "a wrong password")
    submit_login(browser_for(world, None)[0], "nobody@example.org", PASSWORD)
    failed = [e for e in world.store.audit_entries() if e.action == "login_failed"]
    assert {e.actor for e in failed} == {world.owner.account_id, "unknown"}
    assert all("password" in (e.detail or "") for e in failed)
    assert "nobody@example.org" not in str(failed), "a typed email is not kept"


def test_every_page_an_admin_reads_is_audited(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    http, _ = browser_for(world, world.admin)
    read = []
    for method, path, _ in api_routes(world.app):
        if method != "GET" or "{" in path or path.startswith("/login"):
            continue
        before = len(_actions(world.store))
        if http.get(path).status_code != 200:
            continue
        read.append(path)
        new = _actions(world.store)[: len(_actions(world.store)) - before]
        assert any(actor == world.admin.account_id for actor, _ in new), (
            f"an admin read {path} and nothing was written")
    assert {"/admin/accounts", "/admin/audit", "/alerts"} <= set(read)


def _rows(client: redis.Redis, store: Store) -> list[tuple[bytes, bytes]]:
    return [(i, f[b"entry"]) for i, f in client.xrange(store.keys.audit_log())]


def _rewrite(client: redis.Redis, store: Store, rows: list[tuple[bytes, bytes]]) -> None:
    """What someone with write access to Redis could do: put the stream back, altered."""
    key = store.keys.audit_log()
    client.delete(key)
    for entry_id, raw in rows:
        client.xadd(key, {"entry": raw}, id=entry_id)


def test_an_edited_or_removed_entry_breaks_the_chain(
    settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    store = world.store
    for n in range(6):
        store.audit(world.owner.account_id, "view_client", world.ref, detail=f"visit {n}")
    assert store.verify_audit().ok and store.verify_audit().entries >= 6
    rows = _rows(client, store)

    edited = list(rows)
    entry = json.loads(edited[2][1])
    entry["actor"] = world.other.account_id  # blame someone else
    edited[2] = (edited[2][0], json.dumps(entry).encode())
    _rewrite(client, store, edited)
    check = store.verify_audit()
    assert not check.ok and check.broken_at == rows[3][0].decode()

    _rewrite(client, store, rows[:3] + rows[4:])  # one entry removed
    check = store.verify_audit()
    assert not check.ok and check.broken_at == rows[4][0].decode()

    _rewrite(client, store, rows[:-1])  # the newest removed
    assert not store.verify_audit().ok

    _rewrite(client, store, rows[2:])  # the oldest removed, not by retention
    assert not store.verify_audit().ok

    _rewrite(client, store, rows)
    assert store.verify_audit().ok, "the untouched log checks out again"
    admin, _ = browser_for(world, world.admin)
    assert "The chain holds" in admin.get("/admin/audit").text


def _old_entries(client: redis.Redis, store: Store, days_ago: float, n: int) -> None:
    """n chained entries written days_ago (as the log had them then)."""
    key, head = store.keys.audit_log(), store.keys.audit_head()
    from worker.store.audit import entry_hash

    base_ms = int((time.time() - days_ago * 86400) * 1000)
    prev = ""
    for i in range(n):
        raw = AuditEntry(actor="a", action="old", detail=str(i), prev=prev).model_dump_json()
        client.xadd(key, {"entry": raw}, id=f"{base_ms + i}-0")
        prev = entry_hash(raw)
    client.set(head, prev)


def test_entries_are_kept_by_time_not_by_count(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings.model_copy(update={"storyloom_audit_retention_days": 30}),
                        client)
    store = world.store
    client.delete(store.keys.audit_log(), store.keys.audit_head())
    _old_entries(client, store, 31, 3)
    for n in range(5):
        store.audit("a", "recent", detail=str(n))
    actions = [e.action for e in store.audit_entries(1000)]
    assert actions == ["recent"] * 5, "entries past the retention went; recent ones stay"
    assert store.verify_audit().ok, "the chain starts where retention cut it"
    client.delete(store.keys.audit_log(), store.keys.audit_head(), store.keys.audit_anchor())
    _old_entries(client, store, 29, 3)
    store.audit("a", "recent")
    assert len(store.audit_entries(1000)) == 4, "entries within the retention stay"


def test_writers_at_once_keep_one_chain(settings: Settings, client: redis.Redis) -> None:
    store = Store.from_settings(settings, client)

    def write(who: str) -> None:
        for n in range(40):
            store.audit(who, "view_alerts", detail=str(n))

    threads = [threading.Thread(target=write, args=(f"acct{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = store.verify_audit()
    assert check.ok and check.entries == 160, check


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", "audit", *args], text=True,
                          capture_output=True, env=cli_env(settings), cwd=ROOT, timeout=120)


def test_the_log_exports_to_an_append_only_file_that_checks_on_its_own(
    settings: Settings, client: redis.Redis, tmp_path: Path
) -> None:
    from worker.store.audit import entry_hash, verify_export

    store = Store.from_settings(settings, client)
    sink = tmp_path / "audit.jsonl"
    for n in range(3):
        store.audit("a", "view_alerts", detail=str(n))
    assert store.export_audit(sink) == 3
    first = sink.read_bytes()
    assert stat.S_IMODE(sink.stat().st_mode) == 0o600
    for n in range(2):
        store.audit("b", "view_accounts", detail=str(n))
    done = _cli(settings, "export", "--to", str(sink))
    assert done.returncode == 0 and "2 entries" in done.stdout, done.stderr
    assert sink.read_bytes().startswith(first), "appended, nothing before it rewritten"
    assert store.export_audit(sink) == 0, "nothing is exported twice"
    assert verify_export(sink).ok and verify_export(sink).entries == 5
    assert _cli(settings, "verify").returncode == 0

    lines = sink.read_text().splitlines()
    row = json.loads(lines[1])
    row["entry"] = row["entry"].replace('"a"', '"z"')
    row["hash"] = entry_hash(row["entry"])  # even with its own hash redone
    sink.write_text("\n".join([lines[0], json.dumps(row), *lines[2:]]) + "\n")
    check = verify_export(sink)
    assert not check.ok and check.broken_at == json.loads(lines[2])["id"]
    broken = _cli(settings, "verify", "--to", str(sink))
    assert broken.returncode == 1 and "broken" in broken.stderr
