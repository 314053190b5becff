"""A person's rights over their data: erasure (/forget) and a copy of it (/export).

Both go through the store, the one place that holds user data. Forgetting
crypto-shreds: the user's data key is destroyed first, so every sealed copy of
their records stops opening, then the data, the stream entries and (given the
settings) their adapters are deleted. An export is the JSON of everything plus
the story as a Markdown book and an EPUB, with the user's pseudonyms, and the
photos they sent.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from worker.book.content import build_book
from worker.book.formats import epub_book, markdown_book
from worker.ops.purge import purge_user_jobs
from worker.profile.view import profile_json
from worker.settings import Settings
from worker.store.book_records import Photo
from worker.store.records import utcnow
from worker.store.store import Store

logger = logging.getLogger(__name__)

EXPORT_FORMAT = 1


@dataclass(frozen=True)
class ExportFile:
    """One file of a user's export: its name, bytes and media type."""

    name: str
    data: bytes
    mime: str


def adapter_dir(settings: Settings, user: str) -> Path:
    """Where the user's sealed adapters live in the data folder (the default adapter store)."""
    return settings.storyloom_data_dir / "adapters" / quote(user, safe="")


def forget_user(store: Store, user: str, settings: Settings | None = None) -> None:
    """Delete everything storyloom holds about the user (consent included): the key first,
    then their data, their adapters in the adapter store (and in every serving process,
    vLLM included), and their jobs."""
    versions = [v.version_id for v in store.adapter_versions(user)]  # while they still open
    rewrite = settings is not None and settings.storyloom_keystore_rewrite_aof
    store.shred_user(user, rewrite_aof=rewrite)
    store.delete_adapter_files(user)
    if settings is not None and adapter_dir(settings, user).exists():  # files from before
        shutil.rmtree(adapter_dir(settings, user))
    store.drop_adapters(versions)
    purge_user_jobs(store.redis, user)
    logger.info("user %s: all data deleted at their request", user)


def _counsel_data(store: Store, user: str) -> dict[str, Any]:
    link, session = store.client_link(user), store.guided(user)
    return {
        "alerts": [a.model_dump(mode="json") for a in store.user_alerts(user)],
        "counselor_link": link.model_dump(mode="json") if link else None,
        "privacy": store.get_privacy(user).model_dump(mode="json"),
        "guided_session": session.model_dump(mode="json") if session else None,
        "held_for_review": [h.model_dump(mode="json") for h in store.held(user)],
        "pseudonyms": store.pseudonyms(user),
    }


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
        "photos": [p.model_dump(mode="json") for p in store.photos(user)],
        "corrections": [c.model_dump(mode="json") for c in store.corrections(user)],
        "family_links": [link.model_dump(mode="json", exclude={"digest"})
                         for link in store.family_links(user)],
        "family_questions": [q.model_dump(mode="json") for q in store.family_questions(user)],
        "feedback": [f.model_dump(mode="json") for f in store.feedback(user)],
        "safety": store.get_safety(user).model_dump(mode="json"),
        "community_contributions": [
            c.model_dump(mode="json") for c in store.member_contributions(user)
        ],
        **_counsel_data(store, user),
    }


def export_file_name(user: str) -> str:
    """A file name safe on every platform, derived from the opaque user key."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in user)
    return f"storyloom-{safe}.json"


def _photos_zip(store: Store, user: str, photos: list[Photo]) -> bytes:
    """Every photo the user sent, as kept (the print copy), in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as pack:
        for photo in photos:
            data = store.photo_image(user, photo.photo_id, "print")
            if data:
                pack.writestr(f"{photo.sent_at:%Y-%m-%d}-{photo.photo_id}.jpg", data)
    return buffer.getvalue()


def export_user(store: Store, user: str) -> list[ExportFile]:
    """Everything storyloom holds about the user, as files to hand them."""
    data = json.dumps(_user_data(store, user), ensure_ascii=False, indent=2).encode()
    stem = export_file_name(user).removesuffix(".json")
    book = build_book(store, user)
    files = [
        ExportFile(name=f"{stem}.json", data=data, mime="application/json"),
        ExportFile(name=f"{stem}.md", mime="text/markdown",
                   data=markdown_book(book).encode()),
        ExportFile(name=f"{stem}.epub", mime="application/epub+zip",
                   data=epub_book(book, lambda p: store.photo_image(user, p, "screen"))),
    ]
    photos = store.photos(user)
    if photos:
        files.append(ExportFile(name=f"{stem}-photos.zip", data=_photos_zip(store, user, photos),
                                mime="application/zip"))
    logger.info("user %s: export of %s files", user, len(files))
    return files


__all__ = ["ExportFile", "export_user", "forget_user"]
