"""A person's rights over their data: erasure (/forget) and a copy of it (/export).

Both go through the store, the one place that holds user data. Later versions
add crypto-shredding to :func:`forget_user` and EPUB/Markdown files to
:func:`export_user`; their signatures stay.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from worker.profile_view import profile_json
from worker.records import utcnow
from worker.store import Store

logger = logging.getLogger(__name__)

EXPORT_FORMAT = 1


@dataclass(frozen=True)
class ExportFile:
    """One file of a user's export: its name, bytes and media type."""

    name: str
    data: bytes
    mime: str


def forget_user(store: Store, user: str) -> None:
    """Delete everything storyloom holds about the user (consent included)."""
    store.erase_user(user)
    logger.info("user %s: all data deleted at their request", user)


def _user_data(store: Store, user: str) -> dict[str, Any]:
    consent = store.get_consent(user)
    return {
        "format": EXPORT_FORMAT,
        "user": user,
        "exported_at": utcnow().isoformat(),
        "consent": consent.model_dump(mode="json") if consent else None,
        "settings": store.get_settings(user).model_dump(mode="json"),
        "turns": [t.model_dump(mode="json") for t in store.turns(user)],
        "profile": profile_json(store.get_profile(user)),
        "installments": [i.model_dump(mode="json") for i in store.installments(user)],
        "feedback": [f.model_dump(mode="json") for f in store.feedback(user)],
        "safety": store.get_safety(user).model_dump(mode="json"),
        "community_contributions": [
            c.model_dump(mode="json") for c in store.member_contributions(user)
        ],
    }


def export_file_name(user: str) -> str:
    """A file name safe on every platform, derived from the opaque user key."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in user)
    return f"storyloom-{safe}.json"


def export_user(store: Store, user: str) -> list[ExportFile]:
    """Everything storyloom holds about the user, as files to hand them."""
    data = json.dumps(_user_data(store, user), ensure_ascii=False, indent=2).encode()
    logger.info("user %s: export of %s bytes", user, len(data))
    return [ExportFile(name=export_file_name(user), data=data, mime="application/json")]


__all__ = ["ExportFile", "export_user", "forget_user"]
