"""The adapter registry and training bookkeeping of each user, and their adapter files.

Versions are sealed user records under the user's keys (so /forget erases them
with everything else). A version's files (the peft weights and its record) are one
tar archive sealed under the user's data key, kept in the adapter store
(:mod:`worker.store.blobs`) that every process reaches: destroying the key makes every
copy unreadable, a backup's or a bucket version's included. They are opened only into
a temporary folder, for as long as loading them takes. Turns a user keeps out of
training, and the count of new tokens since their last fine-tune, live here too.
"""

from __future__ import annotations

import io
import logging
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from worker.store.base import StoreBase
from worker.store.blobs import BlobStore
from worker.training.records import AdapterVersion

logger = logging.getLogger(__name__)

WITHHELD_REASONS = ("private", "withdrawn")


class AdapterUnavailable(LookupError):
    """A version's files are not in the adapter store, or no longer open (key destroyed)."""


def adapter_prefix(user: str) -> str:
    """Where one user's adapter objects live in the adapter store."""
    return quote(user, safe="") + "/"


def adapter_object(user: str, version_id: str) -> str:
    """The object name of one sealed adapter version."""
    return f"{adapter_prefix(user)}{version_id}.sealed"


def _tar(folder: Path) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.add(path, arcname=str(path.relative_to(folder)))
    return out.getvalue()


class AdapterStore(StoreBase):
    """Reads and writes adapter versions and their sealed files, withheld turns and
    new-token counts."""

    def _adapter_blobs(self) -> BlobStore:
        if self.blobs is None:
            raise RuntimeError("no adapter store: build the store with Store.from_settings")
        return self.blobs

    def put_adapter_files(self, user: str, version_id: str, folder: Path) -> int:
        """Seal a version's folder under the user's key into the adapter store; returns the
        bytes stored (UserForgotten when the user was forgotten meanwhile)."""
        sealed = self._seal(user, _tar(folder))
        self._adapter_blobs().put(adapter_object(user, version_id), sealed)
        return len(sealed)

    def has_adapter_files(self, user: str, version_id: str) -> bool:
        """True when the version's sealed files are in the adapter store."""
        return self._adapter_blobs().exists(adapter_object(user, version_id))

    @contextmanager
    def adapter_files(self, user: str, version_id: str) -> Iterator[Path]:
        """The version's files, opened into a temporary folder deleted after the block."""
        sealed = self._adapter_blobs().get(adapter_object(user, version_id))
        if sealed is None:
            raise AdapterUnavailable(f"adapter {version_id} is not in the adapter store")
        plain = self._unseal(user, sealed)
        if plain is None:
            raise AdapterUnavailable(f"adapter {version_id} does not open (its key is gone)")
        folder = Path(tempfile.mkdtemp(prefix="storyloom-adapter-"))
        try:
            with tarfile.open(fileobj=io.BytesIO(plain), mode="r") as archive:
                archive.extractall(folder, filter="data")
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def drop_adapters(self, version_ids: Iterable[str]) -> None:
        """Ask every serving process to unload these versions (their user was forgotten)."""
        # entries older than a tombstone are of no use: every worker has seen them
        oldest = f"{int((time.time() - self.tombstone_days * 86400) * 1000)}-0"
        with self.redis.pipeline() as pipe:
            for version_id in version_ids:
                pipe.xadd(self.keys.dropped_adapters(), {"version": version_id},
                          minid=oldest, approximate=True)
            pipe.execute()

    def dropped_adapters(self, after: str = "0-0",
                         block_ms: int | None = None) -> tuple[str, list[str]]:
        """(the last entry id seen, version ids dropped after `after`)."""
        reply = self.redis.xread({self.keys.dropped_adapters(): after}, count=500,
                                 block=block_ms)
        last, found = after, []
        for _, entries in reply or []:
            for eid, fields in entries:
                last = eid.decode()
                found.append(fields[b"version"].decode())
        return last, found

    def delete_adapter_files(self, user: str) -> int:
        """Delete every adapter object of the user; returns how many."""
        if self.blobs is None:
            return 0
        return self.blobs.delete_prefix(adapter_prefix(user))

    def save_adapter_version(self, version: AdapterVersion) -> None:
        """Store (or replace) one adapter version."""
        self.redis.hset(self.keys.adapter_versions(version.user), version.version_id,
                        self._dump(version.user, version))

    def adapter_versions(self, user: str) -> list[AdapterVersion]:
        """Every adapter version of the user, oldest first."""
        key = self.keys.adapter_versions(user)
        found = (self._load(AdapterVersion, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((v for v in found if v is not None), key=lambda v: v.number)

    def get_adapter_version(self, user: str, version_id: str) -> AdapterVersion | None:
        """One version by id."""
        key = self.keys.adapter_versions(user)
        return self._load(AdapterVersion, self.redis.hget(key, version_id), key, user)

    def current_adapter(self, user: str) -> AdapterVersion | None:
        """The user's promoted adapter, if any."""
        raw = self.redis.get(self.keys.adapter_current(user))
        return self.get_adapter_version(user, raw.decode()) if raw else None

    def set_current_adapter(self, user: str, version_id: str | None) -> None:
        """Make a version the one serving the user (None: the base model)."""
        if version_id is None:
            self.redis.delete(self.keys.adapter_current(user))
        else:
            self.redis.set(self.keys.adapter_current(user), version_id)

    def promote_adapter_version(self, version: AdapterVersion) -> None:
        """Store a version and make it current, retiring the one before, all at once."""
        previous = self.current_adapter(version.user)
        key = self.keys.adapter_versions(version.user)
        # MULTI/EXEC: a worker killed half-way never leaves two promoted, or a retired current
        with self.redis.pipeline() as pipe:
            if previous is not None and previous.version_id != version.version_id:
                retired = previous.model_copy(update={"status": "retired"})
                pipe.hset(key, previous.version_id, self._dump(version.user, retired))
            pipe.hset(key, version.version_id, self._dump(version.user, version))
            pipe.set(self.keys.adapter_current(version.user), version.version_id)
            pipe.execute()

    def withhold_turns(self, user: str, turn_ids: Iterable[str], reason: str) -> list[str]:
        """Keep turns out of training; returns the versions now marked for retraining."""
        if reason not in WITHHELD_REASONS:
            raise ValueError(f"reason must be one of {WITHHELD_REASONS}")
        ids = set(turn_ids)
        if not ids:
            return []
        self.redis.hset(self.keys.training_withheld(user), mapping=dict.fromkeys(ids, reason))
        marked = []
        for version in self.adapter_versions(user):
            if ids & set(version.turn_ids) and not version.needs_retrain:
                self.save_adapter_version(version.model_copy(update={"needs_retrain": True}))
                marked.append(version.version_id)
        return marked

    def withheld_turns(self, user: str) -> dict[str, str]:
        """Turn id -> why it is kept out of training."""
        raw = self.redis.hgetall(self.keys.training_withheld(user))
        return {k.decode(): v.decode() for k, v in raw.items()}

    def add_training_tokens(self, user: str, tokens: int) -> int:
        """Count new tokens the user wrote; returns the count since the last fine-tune."""
        return int(self.redis.incrby(self.keys.training_tokens(user), tokens))

    def take_training_tokens(self, user: str) -> int:
        """The count of new tokens, reset to zero (a fine-tune starts on them)."""
        raw = self.redis.getdel(self.keys.training_tokens(user))
        return int(raw) if raw else 0
