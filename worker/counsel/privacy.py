"""Data rights from the command line and chat: export, forget (see counsel.rights), pseudonyms."""

from __future__ import annotations

import logging

from worker.conversation.command import CommandContext, CommandResult
from worker.counsel.rights import ExportFile, adapter_dir, export_user, forget_user
from worker.settings import Settings
from worker.store.store import Store

logger = logging.getLogger(__name__)
__all__ = ["ExportFile", "adapter_dir", "export_everything", "forget_everything"]


def export_everything(store: Store, user: str) -> list[ExportFile]:
    """JSON of everything, the story as Markdown and as EPUB (pseudonyms applied)."""
    return export_user(store, user)


def forget_everything(store: Store, settings: Settings, user: str) -> None:
    """Crypto-shred the user in Redis and delete their adapters."""
    forget_user(store, user, settings)


def cmd_pseudonym(ctx: CommandContext, user: str, args: str) -> CommandResult:
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
