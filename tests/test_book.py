"""The book: a print-ready PDF (checked with pypdf), EPUB and Markdown, /book and the CLI."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

from pypdf import PdfReader

from tests.book_support import make_story
from tests.chat_harness import command_context
from tests.conftest import cli_env
from worker.book.commands import BookRequest, make_files
from worker.conversation.commands import dispatch
from worker.counsel.rights import export_user
from worker.ops.runtime import WorkerContext

A5 = (419.5, 595.3)
LETTER = (612.0, 792.0)


def _pdf(ctx: WorkerContext, user: str, size: str = "a5") -> PdfReader:
    [pdf] = make_files(ctx.store, user, BookRequest("pdf", size))  # type: ignore[arg-type]
    assert pdf.name == f"my-story-{size}.pdf" and pdf.data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(pdf.data))


def test_the_pdf_has_a_cover_contents_titled_dated_chapters_photos_pages_and_sources(
        ctx: WorkerContext) -> None:
    story = make_story(ctx.store, ctx.settings, "local:gran", photos=2)
    ctx.store.set_pseudonym(story.user, "Tomás", "Tiago")
    reader = _pdf(ctx, story.user)
    pages = [page.extract_text() for page in reader.pages]
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width, 1), round(height, 1)) == A5
    assert "Flour and Letters" in pages[0] and "Maria Silva" in pages[0]
    contents = pages[1]
    assert "Contents" in contents and "The bakery years" in contents
    assert "Letters from Faro" in contents and "Sources" in contents
    text = "\n".join(pages)
    assert "1962–1968" in text, "chapter 1 covers the years its moments happened in"
    assert "Chapter 2" in text and "1975" in text
    assert "Rosa at the bakery in Braga, 1962 (1)" in text, "photos carry their captions"
    assert "Tiago" in text and "Tomás" not in text, "pseudonyms are applied everywhere"
    assert "You told me on 03 March 2026" in text and "bakery in Braga" in text
    for n, page in enumerate(pages[1:], start=2):
        lines = [line.strip() for line in page.strip().splitlines()]
        assert str(n) in (lines[0], lines[-1]), f"page {n} carries its number"
    assert "1" not in [line.strip() for line in pages[0].splitlines()], "the cover has none"
    assert sum(len(page.images) for page in reader.pages) == 2
    assert reader.metadata is not None and reader.metadata.title == "Flour and Letters"


def test_us_letter_and_a_book_without_sources(ctx: WorkerContext) -> None:
    story = make_story(ctx.store, ctx.settings, "local:gran", photos=1)
    reader = _pdf(ctx, story.user, "letter")
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (width, height) == LETTER
    [pdf] = make_files(ctx.store, story.user, BookRequest("pdf", "a5", sources=False))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "You told me" not in text and "Sources" not in text


def test_epub_and_markdown_carry_the_photos(ctx: WorkerContext) -> None:
    story = make_story(ctx.store, ctx.settings, "local:gran", photos=2)
    [epub] = make_files(ctx.store, story.user, BookRequest("epub"))
    with zipfile.ZipFile(io.BytesIO(epub.data)) as book:
        names = book.namelist()
        assert names[0] == "mimetype"
        assert sum(n.startswith("OEBPS/photos/") for n in names) == 2
        chapter = book.read("OEBPS/chapter-1.xhtml").decode()
        assert "<figcaption>Rosa at the bakery in Braga, 1962 (1)</figcaption>" in chapter
        assert "Maria Silva" in book.read("OEBPS/content.opf").decode()
    md, *pictures = make_files(ctx.store, story.user, BookRequest("md"))
    assert len(pictures) == 2 and all(p.data.startswith(b"\xff\xd8") for p in pictures)
    assert f"(photos/{story.photo_ids[0]}.jpg)" in md.data.decode()
    assert "[^1]: You told me on" in md.data.decode()
    exported = {f.name: f for f in export_user(ctx.store, story.user)}
    pack = exported["storyloom-local-gran-photos.zip"]
    with zipfile.ZipFile(io.BytesIO(pack.data)) as photos:
        assert len(photos.namelist()) == 2, "/export hands back the photos too"


def test_book_in_the_chat_and_on_the_command_line(ctx: WorkerContext) -> None:
    user = "local:gran"
    cctx = command_context(ctx)
    assert "no parts yet" in dispatch(cctx, user, "book", "").text
    make_story(ctx.store, ctx.settings, user, photos=1)
    assert "“My life”" in dispatch(cctx, user, "book", "title My life").text
    assert "Send /book" in dispatch(cctx, user, "book", "sideways").text
    answer = dispatch(cctx, user, "book", "letter").text
    written = Path(answer.split(": ", 1)[1])
    assert written.exists() and written.name == "my-story-letter.pdf"
    assert "My life" in PdfReader(written).pages[0].extract_text()
    out = ctx.settings.storyloom_data_dir / "cli-book"
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", "book", "--user", "gran",
                           "--format", "md", "--out", str(out)], env=cli_env(ctx.settings),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "my-story.md").exists() and len(list((out / "photos").iterdir())) == 1
