"""Counselors and their clients: invites, consented links and private mode.

A link is made only by the user: a counselor's invite code, redeemed in chat,
makes a pending link that the user confirms. Dashboard URLs name a client by
the link's opaque ref, never by the user key.
"""

from __future__ import annotations

from datetime import timedelta

from worker.counsel.records import ClientLink, Invite, Privacy
from worker.store.accounts import AccountStore, clean_code, new_code
from worker.store.alerts import AlertStore
from worker.store.audit import AuditStore
from worker.store.guided import GuidedStore
from worker.store.records import utcnow
from worker.store.review import ReviewStore


class LinkStore(GuidedStore, ReviewStore):
    """Invites, client links and the client's privacy choice."""

    def issue_invite(self, counselor_id: str, hours: float) -> Invite:
        """A one-time invite code for a new client."""
        now = utcnow()
        invite = Invite(code=new_code(), counselor_id=counselor_id, created_at=now,
                        expires_at=now + timedelta(hours=hours))
        self.redis.set(self.keys.invite(invite.code), invite.model_dump_json(),
                       ex=max(1, int(hours * 3600)))
        return invite

    def redeem_invite(self, user: str, code: str) -> ClientLink | None:
        """Turn a valid code into a pending link for the user (the code is used up)."""
        key = self.keys.invite(clean_code(code))
        raw = self.redis.getdel(key)
        invite = self._load(Invite, raw, key, user) if raw else None
        if invite is None or invite.expires_at <= utcnow():
            return None
        link = ClientLink(user=user, counselor_id=invite.counselor_id)
        self.redis.set(self.keys.client_link(user), self._dump(user, link))
        return link

    def client_link(self, user: str) -> ClientLink | None:
        """The user's link to a counselor, pending or active."""
        key = self.keys.client_link(user)
        return self._load(ClientLink, self.redis.get(key), key, user)

    def confirm_link(self, user: str) -> ClientLink | None:
        """The user agrees: a pending link becomes active; None when nothing was pending."""
        link = self.client_link(user)
        if link is None or link.status != "pending":
            return None
        link = link.model_copy(update={"status": "active", "confirmed_at": utcnow()})
        with self.redis.pipeline() as pipe:
            pipe.set(self.keys.client_link(user), self._dump(user, link))
            pipe.hset(self.keys.client_refs(), link.ref, user)
            pipe.sadd(self.keys.counselor_clients(link.counselor_id), user)
            pipe.execute()
        return link

    def end_link(self, user: str) -> ClientLink | None:
        """End the user's link: the counselor loses access; held installments go to the user."""
        link = self.client_link(user)
        if link is None:
            return None
        self.end_guided(user)
        self.release_pending(user)
        with self.redis.pipeline() as pipe:
            pipe.delete(self.keys.client_link(user))
            pipe.hdel(self.keys.client_refs(), link.ref)
            pipe.srem(self.keys.counselor_clients(link.counselor_id), user)
            pipe.execute()
        return link

    def link_by_ref(self, ref: str) -> ClientLink | None:
        """The active link a dashboard URL names."""
        raw = self.redis.hget(self.keys.client_refs(), ref)
        link = self.client_link(raw.decode()) if raw else None
        return link if link is not None and link.status == "active" and link.ref == ref else None

    def clients_of(self, counselor_id: str) -> list[ClientLink]:
        """A counselor's active clients."""
        users = sorted(u.decode() for u in self.redis.smembers(
            self.keys.counselor_clients(counselor_id)))
        links = (self.client_link(u) for u in users)
        return [ln for ln in links
                if ln is not None and ln.status == "active" and ln.counselor_id == counselor_id]

    def counselor_of(self, user: str) -> str | None:
        """The account id of the user's counselor, when the link is active."""
        link = self.client_link(user)
        return link.counselor_id if link is not None and link.status == "active" else None

    # -- private mode ---------------------------------------------------------------------
    def get_privacy(self, user: str) -> Privacy:
        """The user's privacy choice (not private, when never set)."""
        key = self.keys.privacy(user)
        return self._load(Privacy, self.redis.get(key), key, user) or Privacy()

    def set_private(self, user: str, private: bool) -> Privacy:
        """Turn private mode on or off.

        On: the counselor sees only safety alerts, so nothing can wait for their review any
        more: the hold stops and every held installment goes to the user now. Off: a guided
        session that reviews holds installments again.
        """
        privacy = Privacy(private=private, updated_at=utcnow())
        self.redis.set(self.keys.privacy(user), self._dump(user, privacy))
        session = self.guided(user)
        if private:
            self.set_review_hold(user, False)
            self.release_pending(user)
        elif session is not None and session.review and session.status != "ended":
            self.set_review_hold(user, True)
        return privacy


class CounselStore(AccountStore, LinkStore, AlertStore, AuditStore):
    """Everything the counselor side stores."""
