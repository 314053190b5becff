"""Family links and the questions left through them.

A link's token is shown to the user once and never stored: Redis keeps its
SHA-256 (the key that finds the link; it lives 90 days past the link's expiry,
so the page can tell an expired or withdrawn link from a guessed one) and the
link record, sealed under the user's data key. /forget deletes every digest.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from worker.store.base import StoreBase
from worker.store.book_records import FamilyLink, FamilyQuestion
from worker.store.records import utcnow

# 32 random bytes: 256 bits, as URL-safe base64 (43 characters)
TOKEN_BYTES = 32
# A dead link's key is kept this long after it expires, so its page can say it expired.
KEEP_AFTER = timedelta(days=90)


def token_digest(token: str) -> str:
    """The SHA-256 of a family token, hex (what Redis keeps)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class FamilyStore(StoreBase):
    """Creates, finds and revokes family links; keeps the family's questions."""

    def create_family_link(self, user: str, days: float, label: str | None = None
                           ) -> tuple[str, FamilyLink]:
        """A new link: (the token, shown once; its record)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = utcnow()
        link = FamilyLink(user=user, digest=token_digest(token), label=label, created_at=now,
                          expires_at=now + timedelta(days=days))
        with self.redis.pipeline() as pipe:
            pipe.hset(self.keys.family_links(user), link.link_id, self._dump(user, link))
            pipe.sadd(self.keys.family_digests(user), link.digest)
            pipe.set(self.keys.family_token(link.digest), f"{user}\n{link.link_id}",
                     ex=max(1, int((link.expires_at + KEEP_AFTER - now).total_seconds())))
            pipe.execute()
        return token, link

    def family_links(self, user: str) -> list[FamilyLink]:
        """The user's links, newest first (expired and revoked ones too)."""
        key = self.keys.family_links(user)
        loaded = (self._load(FamilyLink, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((x for x in loaded if x is not None), key=lambda x: x.created_at,
                      reverse=True)

    def family_link(self, user: str, link_id: str) -> FamilyLink | None:
        """One of the user's links."""
        key = self.keys.family_links(user)
        return self._load(FamilyLink, self.redis.hget(key, link_id), key, user)

    def open_family_link(self, token: str) -> FamilyLink | None:
        """The link a token belongs to (live, expired or revoked); None for a guessed one."""
        raw = self.redis.get(self.keys.family_token(token_digest(token)))
        if raw is None:
            return None
        user, _, link_id = raw.decode("utf-8", "replace").partition("\n")
        return self.family_link(user, link_id)

    def note_family_view(self, link: FamilyLink) -> None:
        """Count a view of the page (the user sees how often their family looked)."""
        seen = link.model_copy(update={"views": link.views + 1, "last_viewed_at": utcnow()})
        self.redis.hset(self.keys.family_links(link.user), link.link_id,
                        self._dump(link.user, seen))

    def revoke_family_link(self, user: str, link_id: str) -> FamilyLink | None:
        """Stop a link from working at once; returns it (None when the user has no such link)."""
        link = self.family_link(user, link_id)
        if link is None:
            return None
        revoked = link if link.revoked_at else link.model_copy(update={"revoked_at": utcnow()})
        # the key stays (until it expires) so the page can say the link was withdrawn
        self.redis.hset(self.keys.family_links(user), link_id, self._dump(user, revoked))
        return revoked

    def forget_family_tokens(self, user: str) -> None:
        """Delete the keys that find the user's links (works without opening sealed records)."""
        digests = [d.decode() for d in self.redis.smembers(self.keys.family_digests(user))]
        if digests:
            self.redis.delete(*(self.keys.family_token(d) for d in digests))
        self.redis.delete(self.keys.family_digests(user))

    def add_family_question(self, user: str, link_id: str, text: str,
                            from_name: str | None) -> FamilyQuestion:
        """Keep a question the family left; it is numbered for the user (1, 2, ...)."""
        key = self.keys.family_questions(user)
        number = int(self.redis.hlen(key)) + 1
        while True:  # the number is the hash field: two questions at once never share one
            question = FamilyQuestion(user=user, link_id=link_id, number=number, text=text,
                                      from_name=from_name)
            if self.redis.hsetnx(key, str(number), self._dump(user, question)):
                return question
            number += 1

    def family_question(self, user: str, number: int) -> FamilyQuestion | None:
        """One question by its number."""
        key = self.keys.family_questions(user)
        return self._load(FamilyQuestion, self.redis.hget(key, str(number)), key, user)

    def family_questions(self, user: str) -> list[FamilyQuestion]:
        """Every question the family left, in the order left."""
        key = self.keys.family_questions(user)
        loaded = (self._load(FamilyQuestion, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((q for q in loaded if q is not None), key=lambda q: q.number)

    def save_family_question(self, question: FamilyQuestion) -> None:
        """Overwrite a question (the user's decision)."""
        self.redis.hset(self.keys.family_questions(question.user), str(question.number),
                        self._dump(question.user, question))
