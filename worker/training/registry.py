"""Adapter versions of each user: files under the data folder, records in the store.

A version's folder holds the peft adapter and ``storyloom-adapter.json``: the
full version record (config, base model identity, lineage turn ids, metrics),
so any installment can be traced to the weights that wrote it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from worker.counsel.rights import adapter_dir
from worker.settings import Settings
from worker.store.store import Store
from worker.training.records import AdapterVersion

logger = logging.getLogger(__name__)

RECORD_FILE = "storyloom-adapter.json"


def version_dir(settings: Settings, user: str, version_id: str) -> Path:
    """The folder of one adapter version."""
    return adapter_dir(settings, user) / version_id


def current_dir(settings: Settings, store: Store, user: str) -> Path | None:
    """The folder of the user's promoted adapter, if they have one on disk."""
    current = store.current_adapter(user)
    if current is None:
        return None
    path = version_dir(settings, user, current.version_id)
    return path if path.exists() else None


def folder_bytes(path: Path) -> int:
    """Bytes of every file in a folder."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def record(settings: Settings, store: Store, version: AdapterVersion) -> None:
    """Store a finished version (and its record beside its files); promote if it says so."""
    folder = version_dir(settings, version.user, version.version_id)
    if folder.exists():
        (folder / RECORD_FILE).write_text(version.model_dump_json(indent=2))
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
