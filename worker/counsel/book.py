"""A user's story as a book: Markdown, and an EPUB 3 built by hand (a zip of XHTML).

Pure functions: installments in, text or bytes out. Pseudonyms replace the
real names of other people wherever they appear as whole words.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape

from worker.store.records import Installment


def apply_pseudonyms(text: str, names: Mapping[str, str]) -> str:
    """Every whole-word occurrence of a real name replaced by its pseudonym."""
    for real in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(real)}(?!\w)", names[real], text)
    return text


def chapters(installments: Sequence[Installment],
             titles: Mapping[int, str] | None = None) -> list[tuple[str, list[str]]]:
    """(chapter heading, paragraphs) in story order, one section per story-engine chapter.

    A chapter the user named with /chapter is headed "Chapter N: Title".
    """
    out: list[tuple[str, list[str]]] = []
    titles = titles or {}
    for inst in installments:
        number = inst.chapter
        title = f"Chapter {number}: {titles[number]}" if titles.get(number) else f"Chapter {number}"
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", inst.text) if p.strip()]
        if out and out[-1][0] == title:
            out[-1][1].extend(paragraphs)
        else:
            out.append((title, paragraphs))
    return out


def markdown_book(title: str, installments: Sequence[Installment],
                  names: Mapping[str, str], titles: Mapping[int, str] | None = None) -> str:
    """The story as a Markdown book: a title page, then one section per chapter."""
    lines = [f"# {title}", "", f"*Written with storyloom, {datetime.now(UTC):%d %B %Y}.*", ""]
    for heading, paragraphs in chapters(installments, titles):
        lines += [f"## {apply_pseudonyms(heading, names)}", ""]
        for paragraph in paragraphs:
            lines += [apply_pseudonyms(paragraph, names), ""]
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


def _opf(title: str, book_id: str, files: list[str]) -> str:
    modified = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = "\n".join(f'  <item id="c{i}" href="{f}" media-type="application/xhtml+xml"/>'
                      for i, f in enumerate(files))
    spine = "\n".join(f'  <itemref idref="c{i}"/>' for i in range(len(files)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="book-id">
 <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
  <dc:identifier id="book-id">urn:uuid:{book_id}</dc:identifier>
  <dc:title>{escape(title)}</dc:title>
  <dc:language>en</dc:language>
  <meta property="dcterms:modified">{modified}</meta>
 </metadata>
 <manifest>
  <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
{items}
 </manifest>
 <spine>
{spine}
 </spine>
</package>
"""


def epub_book(title: str, installments: Sequence[Installment],
              names: Mapping[str, str], titles: Mapping[int, str] | None = None) -> bytes:
    """The story as an EPUB 3: a title page and one XHTML file per chapter."""
    parts = [("title.xhtml", title, _xhtml(title, f"<h1>{escape(title)}</h1>"
                                             "<p>Written with storyloom.</p>"))]
    for i, (real_heading, paragraphs) in enumerate(chapters(installments, titles), start=1):
        heading = apply_pseudonyms(real_heading, names)
        body = f"<h2>{escape(heading)}</h2>" + "".join(
            f"<p>{escape(apply_pseudonyms(p, names))}</p>" for p in paragraphs)
        parts.append((f"chapter-{i}.xhtml", heading, _xhtml(heading, body)))
    nav = "".join(f'<li><a href="{f}">{escape(t)}</a></li>' for f, t, _ in parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        # the mimetype entry comes first and uncompressed, as the EPUB spec requires
        book.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip",
                      compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", _CONTAINER, zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/nav.xhtml", _xhtml("Contents", '<nav epub:type="toc"><ol>'
                                                f"{nav}</ol></nav>"), zipfile.ZIP_DEFLATED)
        for name, _, xhtml in parts:
            book.writestr(f"OEBPS/{name}", xhtml, zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/content.opf", _opf(title, str(uuid.uuid4()),
                                                [f for f, _, _ in parts]), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
