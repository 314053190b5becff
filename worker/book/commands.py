"""/book: the story as a print-ready PDF (A5 or US letter), an EPUB or Markdown.

``/book`` (A5 PDF), ``/book letter``, ``/book epub``, ``/book md``, ``nosources`` leaves
the sources out; ``/book title <words>`` and ``/book name <words>`` set the cover.
Chat adapters send the files (:func:`make_files`); the terminal writes them to the
data folder (:func:`cmd_book`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from worker.book.content import build_book
from worker.book.formats import epub_book, markdown_book
from worker.book.pdf import PageSize, pdf_book
from worker.conversation.command import CommandContext, CommandResult
from worker.store.records import utcnow
from worker.store.store import Store

logger = logging.getLogger(__name__)

Format = Literal["pdf", "epub", "md"]
MAX_COVER_CHARS = 80
USAGE = ("Send /book for your story as a PDF (A5), /book letter for US letter, /book epub "
         "or /book md; /book title <words> and /book name <words> set the cover.")


@dataclass(frozen=True)
class BookFile:
    """One file of a book: its name, bytes and media type."""

    name: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class BookRequest:
    """What /book was asked for."""

    fmt: Format = "pdf"
    size: PageSize = "a5"
    sources: bool = True


def parse(args: str) -> BookRequest | None:
    """The request /book's words make; None when a word is unknown."""
    fmt: Format = "pdf"
    size: PageSize = "a5"
    sources = True
    for word in args.lower().split():
        if word in ("pdf", "epub", "md"):
            fmt = word  # type: ignore[assignment]
        elif word in ("a5", "letter"):
            size = word  # type: ignore[assignment]
        elif word in ("nosources", "no-sources"):
            sources = False
        else:
            return None
    return BookRequest(fmt, size, sources)


def make_files(store: Store, user: str, request: BookRequest,
               author: str | None = None) -> list[BookFile]:
    """The book as files (Markdown comes with its photos)."""
    book = build_book(store, user, author=author, sources=request.sources)
    stem = "my-story"
    if request.fmt == "pdf":
        pdf = pdf_book(book, lambda p: store.photo_image(user, p, "print"), request.size)
        return [BookFile(f"{stem}-{request.size}.pdf", pdf, "application/pdf")]
    if request.fmt == "epub":
        return [BookFile(f"{stem}.epub", epub_book(
            book, lambda p: store.photo_image(user, p, "screen")), "application/epub+zip")]
    files = [BookFile(f"{stem}.md", markdown_book(book, "photos").encode(), "text/markdown")]
    for photo in book.photos:
        image = store.photo_image(user, photo.photo_id, "print")
        if image:
            files.append(BookFile(f"photos/{photo.photo_id}.jpg", image, "image/jpeg"))
    return files


def write_files(files: list[BookFile], out: Path) -> list[Path]:
    """Write a book's files under a folder; their paths."""
    written = []
    for file in files:
        path = out / file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.data)
        written.append(path)
    return written


def set_cover(ctx: CommandContext, user: str, args: str) -> CommandResult | None:
    """/book title ... or /book name ...: the cover's words; None for other /book words."""
    word, _, rest = args.strip().partition(" ")
    if word.lower() not in ("title", "name"):
        return None
    words = " ".join(rest.split())[:MAX_COVER_CHARS]
    if not words:
        return CommandResult(f"Write the {word.lower()} after it: /book {word.lower()} "
                             "<words>.")
    field = "title" if word.lower() == "title" else "author"
    state = ctx.store.get_story_state(user)
    ctx.store.save_story_state(user, state.model_copy(update={field: words,
                                                              "updated_at": utcnow()}))
    return CommandResult(f"Your book's {'title' if field == 'title' else 'cover name'} is now "
                         f"“{words}”.")


def cmd_book(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """The book written to the data folder (the terminal's /book; chats are sent files)."""
    cover = set_cover(ctx, user, args)
    if cover is not None:
        return cover
    request = parse(args)
    if request is None:
        return CommandResult(USAGE)
    if ctx.store.installment_count(user) == 0:
        return CommandResult("Your story has no parts yet, so there's no book to make. "
                             "Send /story first.")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in user)
    out = ctx.settings.storyloom_data_dir / "books" / safe
    paths = write_files(make_files(ctx.store, user, request), out)
    logger.info("user %s: book written (%s)", user, request.fmt)
    return CommandResult("Your book is ready: " + str(paths[0]))
