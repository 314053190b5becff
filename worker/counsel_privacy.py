"""Data rights on top of the store: export everything, forget everything, pseudonyms.

``export_everything`` gives the user all storyloom holds about them as JSON,
plus their story as a Markdown book and an EPUB (with their pseudonyms).
``forget_everything`` crypto-shreds the user in Redis and deletes their
adapters from the data folder. The chat adapters' /export and /forget call
these.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from worker.commands import CommandContext, CommandResult, command
from worker.counsel_book import epub_book, markdown_book
from worker.profile_view import profile_json
from worker.records import utcnow
from worker.settings import Settings
from worker.store import Store

logger = logging.getLogger(__name__)
EXPORT_FORMAT = 1
BOOK_TITLE = "My story"


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: its name, bytes and media type."""

    name: str
    data: bytes
    mime: str


def _dump(items: list[Any]) -> list[Any]:
    return [i.model_dump(mode="json") for i in items]


def user_data(store: Store, user: str) -> dict[str, Any]:
    """Everything the store holds about the user, as JSON-ready data."""
    link, session = store.client_link(user), store.guided(user)
    return {
        "format": EXPORT_FORMAT, "user": user, "exported_at": utcnow().isoformat(),
        "settings": store.get_settings(user).model_dump(mode="json"),
        "turns": _dump(store.turns(user)),
        "profile": profile_json(store.get_profile(user)),
        "installments": _dump(store.installments(user)),
        "safety": store.get_safety(user).model_dump(mode="json"),
        "alerts": _dump(store.user_alerts(user)),
        "counselor_link": link.model_dump(mode="json") if link else None,
        "privacy": store.get_privacy(user).model_dump(mode="json"),
        "guided_session": session.model_dump(mode="json") if session else None,
        "held_for_review": _dump(store.held(user)),
        "pseudonyms": store.pseudonyms(user),
    }


def safe_name(user: str) -> str:
    """A file-name stem from the opaque user key."""
    return "storyloom-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in user)


def export_everything(store: Store, user: str) -> list[ExportFile]:
    """JSON of everything, the story as Markdown and as EPUB (pseudonyms applied)."""
    stem, story, names = safe_name(user), store.installments(user), store.pseudonyms(user)
    data = json.dumps(user_data(store, user), ensure_ascii=False, indent=2).encode()
    files = [
        ExportFile(f"{stem}.json", data, "application/json"),
        ExportFile(f"{stem}.md", markdown_book(BOOK_TITLE, story, names).encode(),
                   "text/markdown"),
        ExportFile(f"{stem}.epub", epub_book(BOOK_TITLE, story, names), "application/epub+zip"),
    ]
    logger.info("user %s: export of %s files", user, len(files))
    return files


def adapter_dir(settings: Settings, user: str) -> Any:
    """Where the user's LoRA adapters live in the data folder."""
    return settings.storyloom_data_dir / "adapters" / quote(user, safe="")


def forget_everything(store: Store, settings: Settings, user: str) -> int:
    """Crypto-shred the user in Redis and delete their adapters; returns keys deleted."""
    deleted = store.shred_user(user)
    folder = adapter_dir(settings, user)
    if folder.exists():
        shutil.rmtree(folder)
    logger.info("user %s: forgotten at their request", user)
    return deleted


@command("pseudonym", "/pseudonym NAME PSEUDONYM: another name for someone in your exports "
         "(use = for names of several words)")
def _pseudonym(ctx: CommandContext, user: str, args: str) -> CommandResult:
    text = args.strip()
    if not text:
        names = ctx.store.pseudonyms(user)
        listed = "; ".join(f"{k} -> {v}" for k, v in sorted(names.items())) or "none yet"
        return CommandResult(f"Pseudonyms in your exports: {listed}. /pseudonym Maria Ana sets "
                             "one; /pseudonym Maria - removes it.")
    name, _, other = text.partition("=") if "=" in text else text.partition(" ")
    name, other = name.strip(), other.strip()
    if not name or not other or len(name) > 100 or len(other) > 100:
        return CommandResult("Write /pseudonym Maria Ana, or /pseudonym Maria Silva = Ana Costa.")
    try:
        ctx.store.set_pseudonym(user, name, None if other == "-" else other)
    except ValueError as exc:
        return CommandResult(f"That didn't work: {exc}.")
    if other == "-":
        return CommandResult(f"{name} keeps their own name in your exports.")
    return CommandResult(f"In your exports, {name} will be called {other}.")
