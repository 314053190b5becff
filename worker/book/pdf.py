"""A book as a print-ready PDF (reportlab, BSD): cover, contents, chapters with the years
they cover, photos with captions, page numbers and the sources, on A5 or US letter.

Text is set in DejaVu Serif when the system has it (it covers Latin, Greek and
Cyrillic), else in Bitstream Vera, which reportlab ships; both are embedded.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any, Literal

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)
from reportlab.platypus.tableofcontents import TableOfContents

from worker.book.content import Book, BookPhoto, Chapter, Segment

# Images go in as binary streams: ASCII85 (reportlab's default) makes them a quarter larger
# and, without reportlab's C accelerator, takes seconds per photo in pure Python.
rl_config.useA85 = 0

PageSize = Literal["a5", "letter"]
PAGES = {"a5": A5, "letter": letter}
Images = Callable[[str], bytes | None]
# A photo takes at most this share of the text block's height, so its caption fits below.
PHOTO_HEIGHT = 0.6
_SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
_FACES = {"": "DejaVuSerif", "-Bold": "DejaVuSerif-Bold", "-Italic": "DejaVuSerif-Italic",
          "-BoldItalic": "DejaVuSerif-BoldItalic"}
_VERA = {"": "Vera", "-Bold": "VeraBd", "-Italic": "VeraIt", "-BoldItalic": "VeraBI"}


@lru_cache(maxsize=1)
def font_family() -> str:
    """Register the book's font family once; its name."""
    if all((_SYSTEM_FONTS / f"{f}.ttf").exists() for f in _FACES.values()):
        family, files = "BookSerif", {k: str(_SYSTEM_FONTS / f"{f}.ttf")
                                      for k, f in _FACES.items()}
    else:  # reportlab's own Vera: found on its font search path by file name
        family, files = "BookVera", {k: f"{f}.ttf" for k, f in _VERA.items()}
    for face, path in files.items():
        pdfmetrics.registerFont(TTFont(family + face, path))
    pdfmetrics.registerFontFamily(family, normal=family, bold=family + "-Bold",
                                  italic=family + "-Italic", boldItalic=family + "-BoldItalic")
    return family


def _styles(size: PageSize) -> dict[str, ParagraphStyle]:
    f = font_family()
    base = 10.5 if size == "a5" else 12
    return {
        "title": ParagraphStyle("title", fontName=f + "-Bold", fontSize=base * 2.6,
                                leading=base * 3.1, alignment=TA_CENTER),
        "author": ParagraphStyle("author", fontName=f + "-Italic", fontSize=base * 1.5,
                                 leading=base * 2, alignment=TA_CENTER),
        "small": ParagraphStyle("small", fontName=f, fontSize=base * 0.8, leading=base,
                                alignment=TA_CENTER),
        "label": ParagraphStyle("label", fontName=f, fontSize=base * 0.9, leading=base * 1.2,
                                alignment=TA_CENTER, spaceBefore=base * 3),
        "chapter": ParagraphStyle("chapter", fontName=f + "-Bold", fontSize=base * 1.7,
                                  leading=base * 2.1, alignment=TA_CENTER, spaceAfter=base / 2),
        "dates": ParagraphStyle("dates", fontName=f + "-Italic", fontSize=base,
                                leading=base * 1.3, alignment=TA_CENTER, spaceAfter=base * 2),
        "body": ParagraphStyle("body", fontName=f, fontSize=base, leading=base * 1.45,
                               firstLineIndent=base * 1.2, spaceAfter=base * 0.3),
        "caption": ParagraphStyle("caption", fontName=f + "-Italic", fontSize=base * 0.85,
                                  leading=base * 1.15, alignment=TA_CENTER, spaceAfter=base),
        "note": ParagraphStyle("note", fontName=f, fontSize=base * 0.85, leading=base * 1.15,
                               leftIndent=base * 1.5, firstLineIndent=-base * 1.5,
                               spaceAfter=base * 0.3),
        "toc": ParagraphStyle("toc", fontName=f, fontSize=base, leading=base * 1.5),
        "contents": ParagraphStyle("contents", fontName=f + "-Bold", fontSize=base * 1.7,
                                   leading=base * 2.1, alignment=TA_CENTER),
    }


class _Doc(BaseDocTemplate):
    """Two page templates (the cover without a number, the rest numbered), and a TOC."""

    def __init__(self, out: io.BytesIO, size: PageSize, book: Book) -> None:
        page = PAGES[size]
        margin = 16 * mm if size == "a5" else 22 * mm
        super().__init__(out, pagesize=page, leftMargin=margin, rightMargin=margin,
                         topMargin=margin, bottomMargin=margin * 1.2, title=book.title,
                         author=book.author or "", creator="storyloom", subject="A life story")
        frame = Frame(margin, margin * 1.2, page[0] - 2 * margin, page[1] - 2.2 * margin,
                      id="text")
        self.addPageTemplates([PageTemplate("cover", [frame]),
                               PageTemplate("body", [frame], onPage=self._number)])
        self.font = font_family()

    def _number(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(self.font, 9)
        canvas.drawCentredString(self.pagesize[0] / 2, self.bottomMargin / 2, str(doc.page))
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - reportlab's hook
        if isinstance(flowable, Paragraph) and flowable.style.name == "chapter":
            self.notify("TOCEntry", (0, flowable.getPlainText(), self.page))


class _Jpeg(ImageReader):
    """A JPEG as reportlab draws it, named by its digest: reportlab would otherwise decode
    every photo to raw pixels just to name it (the JPEG itself goes in unchanged)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._name = hashlib.sha256(data).digest()
        self._dataA = None  # no transparency (set by getRGBData for other images)

    def getRGBData(self) -> bytes:  # noqa: N802 - reportlab's name
        if self.jpeg_fh() is None:
            return bytes(super().getRGBData())
        return self._name


class _Picture(Flowable):
    """A photo at a given size."""

    def __init__(self, data: bytes, width: float, height: float) -> None:
        super().__init__()
        self.data, self.width, self.height = data, width, height
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(_Jpeg(self.data), 0, 0, self.width, self.height)


def _segments(segments: tuple[Segment, ...]) -> str:
    return " ".join(escape(s.text) + (f"<super>{s.note}</super>" if s.note else "")
                    for s in segments)


def _photo(photo: BookPhoto, images: Images, width: float, height: float,
           styles: dict[str, ParagraphStyle]) -> Flowable | None:
    data = images(photo.photo_id)
    if not data:
        return None
    scale = min(width / photo.width, height * PHOTO_HEIGHT / photo.height)
    picture = _Picture(data, photo.width * scale, photo.height * scale)
    parts: list[Flowable] = [Spacer(1, 4), picture]
    if photo.caption:
        parts.append(Paragraph(escape(photo.caption), styles["caption"]))
    return KeepTogether(parts)


def _chapter(chapter: Chapter, images: Images, doc: _Doc,
             styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), Paragraph(f"Chapter {chapter.number}", styles["label"]),
                           Paragraph(escape(chapter.title or f"Chapter {chapter.number}"),
                                     styles["chapter"])]
    out.append(Paragraph(escape(chapter.dates), styles["dates"]) if chapter.dates
               else Spacer(1, styles["dates"].spaceAfter))
    for n, part in enumerate(chapter.parts):
        if n:  # a breath between parts
            out.append(Spacer(1, styles["body"].fontSize))
        out += [Paragraph(_segments(p), styles["body"]) for p in part.paragraphs]
        out += [f for p in part.photos
                if (f := _photo(p, images, doc.width, doc.height, styles)) is not None]
    return out


def _front(book: Book, styles: dict[str, ParagraphStyle], doc: _Doc) -> list[Flowable]:
    cover: list[Flowable] = [Spacer(1, doc.height * 0.3),
                             Paragraph(escape(book.title), styles["title"])]
    if book.author:
        cover += [Spacer(1, 12), Paragraph(escape(book.author), styles["author"])]
    cover += [Spacer(1, doc.height * 0.3),
              Paragraph(f"Written with storyloom · {book.made_at:%B %Y}", styles["small"]),
              NextPageTemplate("body"), PageBreak()]
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [styles["toc"]]
    return [*cover, Paragraph("Contents", styles["contents"]), Spacer(1, 12), toc]


def pdf_book(book: Book, images: Images, size: PageSize = "a5") -> bytes:
    """The book as PDF bytes (two passes, so the contents carry page numbers)."""
    out = io.BytesIO()
    doc = _Doc(out, size, book)
    styles = _styles(size)
    story = _front(book, styles, doc)
    for chapter in book.chapters:
        story += _chapter(chapter, images, doc, styles)
    if book.more_photos:
        story += [PageBreak(), Paragraph("More photographs", styles["chapter"])]
        story += [f for p in book.more_photos
                  if (f := _photo(p, images, doc.width, doc.height, styles)) is not None]
    if book.notes:
        story += [PageBreak(), Paragraph("Sources", styles["chapter"]), Spacer(1, 8)]
        story += [Paragraph(f"{n}. {escape(text)}", styles["note"]) for n, text in book.notes]
    doc.multiBuild(story)
    return out.getvalue()
