"""The audit log of who saw or changed what: a hash chain, kept by time, exported as JSONL.

Each entry carries the SHA-256 of the entry before it, exactly as that one was
stored, and the newest hash is kept beside the stream; `verify_audit` walks the
chain and names the first entry that was edited, removed or put in. Entries older
than the retention are removed by time (never by count); the chain then starts at
the `prev` recorded when they went. `export_audit` appends the entries not yet in an
append-only JSONL file (opened O_APPEND), so a copy outside Redis can be checked the
same way, and keeps nothing back: the file is the sink, not a cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import redis
from pydantic import ValidationError

from worker.counsel.records import AuditEntry
from worker.store.base import StoreBase
from worker.store.records import utcnow

_DAY_MS = 86_400_000


def entry_hash(raw: bytes | str) -> str:
    """The SHA-256 the next entry names as its `prev`."""
    return hashlib.sha256(raw.encode() if isinstance(raw, str) else raw).hexdigest()


@dataclass(frozen=True)
class AuditCheck:
    """The result of walking a chain: how many entries, and the first one that breaks it."""

    entries: int
    broken_at: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when every entry chains to the one before."""
        return self.broken_at is None


def verify_chain(rows: Iterable[tuple[str, bytes | str]], anchor: str = "",
                 head: str | None = None) -> AuditCheck:
    """Walk (id, stored entry) pairs oldest first; anchor is the first chained entry's prev.

    Entries written before the chain existed (version 1) may only come first."""
    expected: str | None = None
    count = 0
    last_id = "-"
    for entry_id, raw in rows:
        count += 1
        last_id = entry_id
        try:
            found = json.loads(raw)
        except ValueError:
            return AuditCheck(count, entry_id, "not an audit entry")
        version, prev = found.get("schema_version", 1), found.get("prev", "")
        if version < 2:
            if expected is not None:
                return AuditCheck(count, entry_id, "an unchained entry after the chain began")
            continue
        if prev != (anchor if expected is None else expected):
            return AuditCheck(count, entry_id, "does not follow the entry before it")
        expected = entry_hash(raw)
    if head is not None and head != (expected if expected is not None else anchor):
        return AuditCheck(count, last_id, "the newest entry was changed or removed")
    return AuditCheck(count)


class AuditStore(StoreBase):
    """Appends to the audit chain, reads it back, checks it, trims it by age, exports it."""

    def audit(self, actor: str, action: str, client: str | None = None,
              detail: str | None = None) -> None:
        """Write who did what to which client (by ref), and when, chained to the last entry."""
        log, head = self.keys.audit_log(), self.keys.audit_head()
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(head)  # two writers at once must not fork the chain
                    prev = pipe.get(head)
                    raw = AuditEntry(actor=actor, action=action, client=client, detail=detail,
                                     prev=prev.decode() if prev else "").model_dump_json()
                    pipe.multi()
                    pipe.xadd(log, {"entry": raw})
                    pipe.set(head, entry_hash(raw))
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        self.trim_audit()

    def audit_entries(self, count: int = 200) -> list[AuditEntry]:
        """The newest audit entries first."""
        out = []
        for _, fields in self.redis.xrevrange(self.keys.audit_log(), count=count):
            try:
                out.append(AuditEntry.model_validate_json(fields[b"entry"]))
            except (KeyError, ValidationError):
                self.dead_letter(self.keys.audit_log(), repr(fields), "not an audit entry")
        return out

    def _audit_rows(self, after: str = "-") -> Iterable[tuple[str, bytes]]:
        start = after if after == "-" else f"({after}"
        while True:
            batch = self.redis.xrange(self.keys.audit_log(), start, "+", count=1000)
            for entry_id, fields in batch:
                yield entry_id.decode(), fields.get(b"entry", b"")
            if len(batch) < 1000:
                return
            start = f"({batch[-1][0].decode()}"

    def verify_audit(self) -> AuditCheck:
        """Walk the whole chain in Redis: the first entry edited, removed or inserted."""
        anchor, head = self.redis.get(self.keys.audit_anchor()), self.redis.get(
            self.keys.audit_head())
        return verify_chain(self._audit_rows(), anchor.decode() if anchor else "",
                            head.decode() if head else None)

    def trim_audit(self) -> int:
        """Remove entries older than the retention (by time); the chain's start moves up."""
        log, head, anchor = self.keys.audit_log(), self.keys.audit_head(), self.keys.audit_anchor()
        cutoff = int(utcnow().timestamp() * 1000 - self.audit_retention_days * _DAY_MS)
        if not self.redis.xrange(log, "-", str(max(cutoff - 1, 0)), count=1):
            return 0  # nothing is old enough (one cheap look per entry written)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(head)
                kept = pipe.xrange(log, str(cutoff), "+", count=1)
                if kept:
                    prev = json.loads(kept[0][1][b"entry"]).get("prev", "")
                else:
                    prev = (pipe.get(head) or b"").decode()
                pipe.multi()
                pipe.xtrim(log, minid=str(cutoff), approximate=False)
                pipe.set(anchor, prev)
                removed, _ = pipe.execute()
                return int(removed)
            except redis.WatchError:
                return 0  # an entry was just written; the next write trims

    def export_audit(self, path: Path) -> int:
        """Append the entries not yet in the JSONL file at path; how many were appended.

        One line per entry: its stream id, its hash, and the entry exactly as stored.
        The file is only ever opened for appending; where it ends says where to go on."""
        last = _last_exported(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        written = 0
        with os.fdopen(fd, "a", encoding="utf-8") as sink:
            for entry_id, raw in self._audit_rows(last or "-"):
                text = raw.decode()
                sink.write(json.dumps({"id": entry_id, "hash": entry_hash(text),
                                       "entry": text}) + "\n")
                written += 1
            sink.flush()
            os.fsync(sink.fileno())
        return written


def _last_exported(path: Path) -> str | None:
    """The stream id of the last line of an export file (None for a new file)."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
    except FileNotFoundError:
        return None
    return str(json.loads(lines[-1])["id"]) if lines else None


def verify_export(path: Path) -> AuditCheck:
    """Walk the chain in an export file (its first line may follow entries trimmed away)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    anchor = json.loads(rows[0]["entry"]).get("prev", "") if rows else ""
    for row in rows:
        if entry_hash(row["entry"]) != row["hash"]:
            return AuditCheck(len(rows), row["id"], "the entry does not match its hash")
    return verify_chain(((r["id"], r["entry"]) for r in rows), anchor)
