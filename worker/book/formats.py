"""A book as Markdown, and as an EPUB 3 built by hand (a zip of XHTML with its photos).

Pure functions: a :class:`~worker.book.content.Book` in, text or bytes out; photos come
from a function that returns a photo's JPEG bytes.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape

from worker.book.content import Book, BookPhoto, Chapter, Segment

Images = Callable[[str], bytes | None]


def _md_text(segments: tuple[Segment, ...]) -> str:
    return " ".join(s.text + (f"[^{s.note}]" if s.note else "") for s in segments)


def _md_photo(photo: BookPhoto, image_dir: str | None) -> list[str]:
    caption = photo.caption.replace("]", ")").replace("[", "(")
    if image_dir is None:
        return [f"*[Photo{': ' + caption if caption else ''}]*", ""]
    return [f"![{caption}]({image_dir}/{photo.photo_id}.jpg)", "",
            *([f"*{caption}*", ""] if caption else [])]


def markdown_book(book: Book, image_dir: str | None = None) -> str:
    """The book as Markdown: title, contents, chapters, photos (files in image_dir), notes."""
    lines = [f"# {book.title}", ""]
    if book.author:
        lines += [f"*{book.author}*", ""]
    lines += [f"*Written with storyloom, {book.made_at:%d %B %Y}.*", ""]
    if book.chapters:
        lines += ["## Contents", "", *(f"- {c.heading}" + (f" ({c.dates})" if c.dates else "")
                                       for c in book.chapters), ""]
    for chapter in book.chapters:
        lines += [f"## {chapter.heading}", ""]
        if chapter.dates:
            lines += [f"*{chapter.dates}*", ""]
        for part in chapter.parts:
            for paragraph in part.paragraphs:
                lines += [_md_text(paragraph), ""]
            for photo in part.photos:
                lines += _md_photo(photo, image_dir)
    if book.more_photos:
        lines += ["## More photographs", ""]
        for photo in book.more_photos:
            lines += _md_photo(photo, image_dir)
    if book.notes:
        lines += ["## Sources", "", *(f"[^{n}]: {text}" for n, text in book.notes), ""]
    return "\n".join(lines).rstrip() + "\n"


_CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
 <rootfiles>
  <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
 </rootfiles>
</container>
"""


def _xhtml(title: str, body: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
            f' lang="en"><head><meta charset="UTF-8"/><title>{escape(title)}</title></head>'
            f"<body>{body}</body></html>\n")


def _opf(title: str, author: str | None, book_id: str, files: list[str],
         images: list[str]) -> str:
    modified = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = "\n".join(f'  <item id="c{i}" href="{f}" media-type="application/xhtml+xml"/>'
                      for i, f in enumerate(files))
    pictures = "\n".join(f'  <item id="p{i}" href="{f}" media-type="image/jpeg"/>'
                         for i, f in enumerate(images))
    spine = "\n".join(f'  <itemref idref="c{i}"/>' for i in range(len(files)))
    creator = f"\n  <dc:creator>{escape(author)}</dc:creator>" if author else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id">
 <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:identifier id="book-id">urn:uuid:{book_id}</dc:identifier>
  <dc:title>{escape(title)}</dc:title>{creator}
  <dc:language>en</dc:language>
  <meta property="dcterms:modified">{modified}</meta>
 </metadata>
 <manifest>
  <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
{items}
{pictures}
 </manifest>
 <spine>
{spine}
 </spine>
</package>
"""


def _html_text(segments: tuple[Segment, ...]) -> str:
    return " ".join(escape(s.text) + (f'<sup><a href="notes.xhtml#n{s.note}">{s.note}</a>'
                                      "</sup>" if s.note else "") for s in segments)


def _html_photos(photos: tuple[BookPhoto, ...], have: set[str]) -> str:
    return "".join(
        f'<figure><img src="photos/{p.photo_id}.jpg" alt="{escape(p.caption or "photo")}"/>'
        + (f"<figcaption>{escape(p.caption)}</figcaption>" if p.caption else "") + "</figure>"
        for p in photos if p.photo_id in have)


def _chapter_html(chapter: Chapter, have: set[str]) -> str:
    body = f"<h2>{escape(chapter.heading)}</h2>"
    if chapter.dates:
        body += f"<p><em>{escape(chapter.dates)}</em></p>"
    for part in chapter.parts:
        body += "".join(f"<p>{_html_text(p)}</p>" for p in part.paragraphs)
        body += _html_photos(part.photos, have)
    return body


def epub_book(book: Book, images: Images | None = None) -> bytes:
    """The book as an EPUB 3: a title page, one XHTML file per chapter, photos, sources."""
    data = {p.photo_id: images(p.photo_id) for p in book.photos} if images else {}
    have = {k for k, v in data.items() if v}
    cover = f"<h1>{escape(book.title)}</h1>" + (
        f"<p>{escape(book.author)}</p>" if book.author else "") + "<p>Written with storyloom.</p>"
    parts = [("title.xhtml", book.title, _xhtml(book.title, cover))]
    for i, chapter in enumerate(book.chapters, start=1):
        parts.append((f"chapter-{i}.xhtml", chapter.heading,
                      _xhtml(chapter.heading, _chapter_html(chapter, have))))
    if book.more_photos and have:
        parts.append(("photos.xhtml", "More photographs", _xhtml(
            "More photographs", "<h2>More photographs</h2>" + _html_photos(book.more_photos,
                                                                           have))))
    if book.notes:
        notes = "".join(f'<li id="n{n}">{escape(text)}</li>' for n, text in book.notes)
        parts.append(("notes.xhtml", "Sources", _xhtml("Sources", f"<h2>Sources</h2><ol>"
                                                                  f"{notes}</ol>")))
    nav = "".join(f'<li><a href="{f}">{escape(t)}</a></li>' for f, t, _ in parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as epub:
        # the mimetype entry comes first and uncompressed, as the EPUB spec requires
        epub.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                      compress_type=zipfile.ZIP_STORED)
        epub.writestr("META-INF/container.xml", _CONTAINER, zipfile.ZIP_DEFLATED)
        epub.writestr("OEBPS/nav.xhtml", _xhtml("Contents", '<nav epub:type="toc"><ol>'
                                                f"{nav}</ol></nav>"), zipfile.ZIP_DEFLATED)
        for name, _, xhtml in parts:
            epub.writestr(f"OEBPS/{name}", xhtml, zipfile.ZIP_DEFLATED)
        pictures = sorted(have)
        for photo_id in pictures:
            epub.writestr(f"OEBPS/photos/{photo_id}.jpg", data[photo_id] or b"",
                          zipfile.ZIP_STORED)
        epub.writestr("OEBPS/content.opf", _opf(
            book.title, book.author, str(uuid.uuid4()), [f for f, _, _ in parts],
            [f"photos/{p}.jpg" for p in pictures]), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
