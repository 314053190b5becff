"""The family page: /family link makes a private, expiring, revocable link; the page shows one
user's book, timeline and photos (noindex, nothing from elsewhere); a question left there
reaches the user, who decides whether it is asked; bad links get a clear page."""

from __future__ import annotations

import re
from datetime import timedelta

import redis
from fastapi.testclient import TestClient

from bot.dashboard.app import create_app
from tests.book_support import make_story
from worker.conversation.command import CommandContext
from worker.conversation.commands import dispatch
from worker.counsel.rights import forget_user
from worker.settings import Settings
from worker.store.family import token_digest
from worker.store.records import utcnow
from worker.store.store import Store

GRAN, OTHER = "telegram:801", "discord:802"


def _world(settings: Settings, client: redis.Redis) -> tuple[TestClient, Store, CommandContext]:
    app = create_app(settings, client)
    store: Store = app.state.dashboard.store
    http = TestClient(app, base_url="https://testserver", follow_redirects=False)
    return http, store, CommandContext(settings=settings, store=store, redis=client)


def _link(cctx: CommandContext, user: str, args: str = "") -> str:
    answer = dispatch(cctx, user, "family", f"link {args}".strip()).text
    found = re.search(r"https?://\S+/family/([A-Za-z0-9_-]+)", answer)
    assert found, answer
    return found.group(1)


def test_a_family_link_shows_one_story_and_nothing_else(
        settings: Settings, client: redis.Redis) -> None:
    http, store, cctx = _world(settings, client)
    gran = make_story(store, settings, GRAN, canary="Casimiro", photos=2)
    make_story(store, settings, OTHER, canary="Zeferino", photos=1)
    store.set_pseudonym(GRAN, "Tomás", "Tiago")
    assert "no parts yet" in dispatch(cctx, "telegram:9", "family", "link").text
    token = _link(cctx, GRAN, "7")
    assert len(token) >= 43, "256 random bits"
    assert token not in str(client.keys("*")) and token.encode() not in b"".join(
        v for k in client.keys("*") if client.type(k) == b"string"
        for v in [client.get(k) or b""]), "only the token's digest is stored"
    page = http.get(f"/family/{token}")
    assert page.status_code == 200
    assert "noindex" in page.headers["x-robots-tag"] and '<meta name="robots" content="noindex'\
        in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text.lower()
    urls = re.findall(r'(?:src|href|action)="([^"]+)"', page.text)
    assert urls and all(u.startswith(("/family/", "#")) for u in urls), urls
    assert "Casimiro" in page.text and "Zeferino" not in page.text
    assert "Flour and Letters" in page.text and "The bakery years" in page.text
    assert "1962–1968" in page.text and 'id="timeline"' in page.text
    assert "Tiago" in page.text and "Tomás" not in page.text, "pseudonyms on the page too"
    photos = re.findall(r'/family/[^/]+/photos/([0-9a-f]{32})\.jpg', page.text)
    assert sorted(set(photos)) == sorted(gran.photo_ids)
    image = http.get(f"/family/{token}/photos/{photos[0]}.jpg")
    assert image.status_code == 200 and image.content.startswith(b"\xff\xd8")
    other_photo = store.photos(OTHER)[0].photo_id
    assert http.get(f"/family/{token}/photos/{other_photo}.jpg").status_code == 404
    pdf = http.get(f"/family/{token}/book.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "opened 1 time" in dispatch(cctx, GRAN, "family", "").text


def test_a_question_reaches_the_user_who_decides(settings: Settings, client: redis.Redis) -> None:
    http, store, cctx = _world(settings, client)
    make_story(store, settings, GRAN, photos=0)
    token = _link(cctx, GRAN)
    empty = http.post(f"/family/{token}/ask", data={"question": "   ", "name": "Rui"})
    assert empty.status_code == 400 and "Write a question first" in empty.text
    long = "Why? " * 200
    kept = http.post(f"/family/{token}/ask", data={"question": long, "name": "Rui"})
    assert kept.status_code == 400 and "at most 500 characters" in kept.text
    assert "Why? Why?" in kept.text, "what they wrote is given back, not lost"
    sent = http.post(f"/family/{token}/ask", data={
        "question": "Ask Grandma about the war years", "name": "Rui"},
        headers={"origin": "https://testserver"})
    assert sent.status_code == 303 and sent.headers["location"].endswith("?sent=1#ask")
    assert "your question was sent" in http.get(sent.headers["location"]).text
    elsewhere = http.post(f"/family/{token}/ask", data={"question": "Hi?"},
                          headers={"origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    notices = [d.text for _, d in store.deliveries_after(GRAN, "telegram") if d.kind == "notice"]
    assert len(notices) == 1 and "“Ask Grandma about the war years” (from Rui)" in notices[0]
    assert "/family ask 1" in notices[0]
    assert "1. “Ask Grandma about the war years” (from Rui)" in dispatch(
        cctx, GRAN, "family", "").text
    asked = dispatch(cctx, GRAN, "family", "ask 1").text
    assert asked.startswith("Your family asked:") and "war years" in asked
    assert "already decided" in dispatch(cctx, GRAN, "family", "drop 1").text
    assert "no question 4" in dispatch(cctx, GRAN, "family", "ask 4").text
    assert [q.status for q in store.family_questions(GRAN)] == ["asked"]


def test_expired_revoked_guessed_and_forgotten_links(
        settings: Settings, client: redis.Redis) -> None:
    http, store, cctx = _world(settings, client)
    make_story(store, settings, GRAN, canary="Casimiro", photos=1)
    expired, revoked, forgotten = _link(cctx, GRAN), _link(cctx, GRAN), _link(cctx, GRAN)
    link = store.open_family_link(expired)
    assert link is not None
    store.redis.hset(store.keys.family_links(GRAN), link.link_id, store._dump(
        GRAN, link.model_copy(update={"expires_at": utcnow() - timedelta(days=1)})))
    page = http.get(f"/family/{expired}")
    assert page.status_code == 410 and "This link has expired" in page.text
    assert "Casimiro" not in page.text and "noindex" in page.headers["x-robots-tag"]
    links = [x.link_id for x in store.family_links(GRAN)]
    number = links.index(store.open_family_link(revoked).link_id) + 1  # type: ignore[union-attr]
    assert "no longer opens" in dispatch(cctx, GRAN, "family", f"revoke {number}").text
    page = http.get(f"/family/{revoked}")
    assert page.status_code == 410 and "withdrawn" in page.text and "Casimiro" not in page.text
    assert http.post(f"/family/{revoked}/ask", data={"question": "Hi?"}).status_code == 410
    assert "revoke N" in dispatch(cctx, GRAN, "family", "revoke 9").text
    for guess in (forgotten[:-1] + ("A" if forgotten[-1] != "A" else "B"), "short", "x" * 43):
        page = http.get(f"/family/{guess}")
        assert page.status_code == 404 and "open anything" in page.text
    assert http.get(f"/family/{forgotten}").status_code == 200
    forget_user(store, GRAN, settings)
    assert http.get(f"/family/{forgotten}").status_code == 404
    assert client.get(store.keys.family_token(token_digest(forgotten))) is None
    assert client.keys(f"{store.keys.prefix}:family:*") == [], "no key names the user any more"
