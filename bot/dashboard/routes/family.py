"""The family page: a private, read-only view of one user's story, opened by a link's token.

No login: the token in the path is the key (long and random; Redis keeps only its
digest). An unknown token, an expired or a withdrawn link each get a clear page that
shows nothing of anyone. Pages are noindex and send no referrer; everything they show
(photos, the PDF) comes from this app.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.family_view import family_page
from bot.dashboard.state import dash, render
from worker.book.content import build_book
from worker.book.family_questions import MAX_NAME_CHARS, MAX_QUESTION_CHARS, leave_question
from worker.book.pdf import pdf_book
from worker.store.book_records import FamilyLink
from worker.store.records import utcnow

logger = logging.getLogger(__name__)
router = APIRouter()

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
PHOTO_ID = re.compile(r"^[0-9a-f]{32}$")


class FamilyGone(Exception):
    """The link opens nothing: unknown (guessed), expired, or withdrawn."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(title)
        self.status, self.title, self.message = status, title, message


UNKNOWN = FamilyGone(404, "This link doesn't open anything",
                     "Check that you copied the whole link. If it was shared with you, ask "
                     "for a new one.")


def open_link(request: Request, token: str) -> FamilyLink:
    """The live link of a token, or a clear page saying why it does not open."""
    if not TOKEN.match(token):
        raise UNKNOWN
    link = dash(request).store.open_family_link(token)
    if link is None:
        raise UNKNOWN
    if link.revoked_at is not None:
        raise FamilyGone(410, "This link was withdrawn",
                         "The person who shared it has stopped it. Ask them for a new one.")
    if not link.active(utcnow()):
        raise FamilyGone(410, "This link has expired",
                         f"It worked until {link.expires_at:%d %B %Y}. Ask the person who "
                         "shared it for a new one.")
    return link


Link = Annotated[FamilyLink, Depends(open_link)]


def family_guard(request: Request, link: Link) -> FamilyLink:
    """A question may be left only through a live link, from this site's own form."""
    origin = request.headers.get("origin") or "null"
    if origin != "null" and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise FamilyGone(403, "The form came from elsewhere", "Open the link again and write "
                         "your question there.")
    return link


def _page(request: Request, link: FamilyLink, token: str, status: int = 200,
          **extra: object) -> Response:
    page = family_page(dash(request).store, link)
    return render(request, "family.html", status, page=page, token=token,
                  max_question=MAX_QUESTION_CHARS, max_name=MAX_NAME_CHARS, **extra)


@router.get("/family/{token}")
def family(request: Request, token: str, link: Link, sent: int = 0) -> Response:
    """The story, its timeline and its photos, and a form to leave a question."""
    dash(request).store.note_family_view(link)
    return _page(request, link, token, sent=bool(sent))


@router.post("/family/{token}/ask")
async def ask(request: Request, token: str,
              link: Annotated[FamilyLink, Depends(family_guard)]) -> Response:
    """Leave a question for the user (it reaches them in their chat)."""
    form = await request.form()
    text, name = str(form.get("question") or ""), str(form.get("name") or "")
    left = leave_question(dash(request).store, link, text[:MAX_QUESTION_CHARS * 4],
                          name[:MAX_NAME_CHARS * 4])
    if left.problem:
        return _page(request, link, token, 400, problem=left.problem, question=text[:4000],
                     asker=name[:200])
    return RedirectResponse(f"/family/{token}?sent=1#ask", status_code=303)


@router.get("/family/{token}/photos/{photo_id}.jpg")
def photo(request: Request, token: str, photo_id: str, link: Link) -> Response:
    """A photo of this link's story (the screen copy)."""
    store = dash(request).store
    data = store.photo_image(link.user, photo_id, "screen") if PHOTO_ID.match(photo_id) else None
    if data is None:
        raise UNKNOWN
    return Response(data, media_type="image/jpeg")


@router.get("/family/{token}/book.pdf")
def book_pdf(request: Request, token: str, link: Link, size: str = "a5") -> Response:
    """The book to print (A5, or US letter with ?size=letter)."""
    store = dash(request).store
    book = build_book(store, link.user, sources=False)
    data = pdf_book(book, lambda p: store.photo_image(link.user, p, "print"),
                    "letter" if size == "letter" else "a5")
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="story.pdf"'})
