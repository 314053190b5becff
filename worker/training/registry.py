"""Adapter versions of each user: sealed files in the adapter store, records in the store.

A version's files are the peft adapter and ``storyloom-adapter.json``: the full version
record (config, base model identity, lineage turn ids, metrics), so any installment can
be traced to the weights that wrote it. They are kept as one archive sealed under the
user's data key (:meth:`worker.store.adapters.AdapterStore.put_adapter_files`) in the
adapter store that every process reaches, and opened only into a temporary folder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from worker.llm.adapters import unavailable
from worker.store.adapters import AdapterUnavailable
from worker.store.store import Store
from worker.training.records import AdapterVersion

logger = logging.getLogger(__name__)

RECORD_FILE = "storyloom-adapter.json"


def folder_bytes(path: Path) -> int:
    """Bytes of every file in a folder."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@contextmanager
def opened(store: Store, version: AdapterVersion | None) -> Iterator[Path | None]:
    """A version's files in a temporary folder for a block (None: no version, or its files
    are missing or no longer open, which is logged and counted)."""
    stack = ExitStack()
    folder = None
    if version is not None:
        try:
            folder = stack.enter_context(store.adapter_files(version.user, version.version_id))
        except AdapterUnavailable as exc:
            unavailable(version.user, version.version_id,
                        "unreadable" if "open" in str(exc) else "missing")
    with stack:
        yield folder


def save(store: Store, version: AdapterVersion, folder: Path) -> None:
    """Store a finished version: its record beside its files, both sealed into the adapter
    store; then the registry (promoted if it says so)."""
    (folder / RECORD_FILE).write_text(version.model_dump_json(indent=2))
    store.put_adapter_files(version.user, version.version_id, folder)
    record(store, version)


def record(store: Store, version: AdapterVersion) -> None:
    """Register a version whose files are stored; promote it if it says so."""
    if version.status == "promoted":
        store.promote_adapter_version(version)
    else:
        store.save_adapter_version(version)
    logger.info("user %s: adapter v%s %s", version.user, version.number, version.status)


def rollback(store: Store, user: str) -> AdapterVersion | None:
    """Serve the version promoted before the current one (None: back to the base model)."""
    current = store.current_adapter(user)
    if current is None:
        raise LookupError("the user has no promoted adapter to roll back")
    store.save_adapter_version(current.model_copy(update={"status": "rolled_back"}))
    earlier = [v for v in store.adapter_versions(user)
               if v.number < current.number and v.status == "retired"]
    target = earlier[-1] if earlier else None
    if target is not None:
        store.save_adapter_version(target.model_copy(update={"status": "promoted"}))
    store.set_current_adapter(user, target.version_id if target else None)
    logger.info("user %s: rolled back adapter v%s", user, current.number)
    return target


def next_number(store: Store, user: str) -> int:
    """The number of the user's next version."""
    versions = store.adapter_versions(user)
    return versions[-1].number + 1 if versions else 1
