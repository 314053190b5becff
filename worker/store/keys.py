"""Every Redis key storyloom uses, built in one place (as rq's ``Job.key_for``).

All keys start with the configured prefix so an operator can find them with
``SCAN MATCH <prefix>:*``. User keys are opaque ids such as ``local:demo`` or
``telegram:12345``; they never carry message text.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

# The turns stream is split into this many shards by user, each consumed by
# one NLU worker at a time, so one user's turns are applied in order. Fixed:
# changing it would move users between shards with turns still in flight.
TURN_SHARDS = 16


@dataclass(frozen=True)
class Keys:
    """Builds the Redis keys under one prefix."""

    prefix: str = "storyloom"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # -- turns: a stream per shard of users, consumed by the NLU group ----------
    def turns_stream(self, shard: int = 0) -> str:
        """Shard 0 keeps the name of the single stream that came before shards."""
        return self._k("turns") if shard == 0 else self._k("turns", str(shard))

    def turns_streams(self) -> list[str]:
        return [self.turns_stream(s) for s in range(TURN_SHARDS)]

    @staticmethod
    def turn_shard(user: str) -> int:
        """The shard of a user's turns (crc32: the same in every process)."""
        return zlib.crc32(user.encode("utf-8", "surrogatepass")) % TURN_SHARDS

    def turn_lease(self, shard: int) -> str:
        """Which NLU consumer owns a shard now (expires unless renewed)."""
        return self._k("turns-lease", str(shard))

    def nlu_consumers(self) -> str:
        """Sorted set consumer -> last heartbeat (unix seconds), to share shards fairly."""
        return self._k("nlu", "consumers")

    def turn_seq(self, user: str) -> str:
        """Counter giving each of a user's turns its sequence number."""
        return self._k("user", user, "seq")

    def turn_ids(self, user: str) -> str:
        """Hash turn_id -> stored turn record (for edits and export)."""
        return self._k("user", user, "turns")

    def last_turn(self, user: str) -> str:
        """The id of the user's latest stored turn."""
        return self._k("user", user, "last-turn")

    def processed_turns(self, user: str) -> str:
        """Set of turn ids already applied to the profile (exactly-once)."""
        return self._k("user", user, "processed")

    # -- user data -----------------------------------------------------------
    def users(self) -> str:
        return self._k("users")

    def profile(self, user: str) -> str:
        return self._k("user", user, "profile")

    def graph_nodes(self, user: str) -> str:
        """Hash node_id -> node of the user's knowledge graph."""
        return self._k("user", user, "graph", "nodes")

    def graph_edges(self, user: str) -> str:
        """Hash edge_id -> edge of the user's knowledge graph."""
        return self._k("user", user, "graph", "edges")

    def installments(self, user: str) -> str:
        """List of installment ids in story order."""
        return self._k("user", user, "installments")

    def installment(self, user: str, installment_id: str) -> str:
        return self._k("user", user, "installment", installment_id)

    def story_state(self, user: str) -> str:
        """Chapters and pending steering of the user's story."""
        return self._k("user", user, "story")

    def story_progress(self, user: str, request_id: str) -> str:
        """Stream of the installment being written (for adapters that show it live)."""
        return self._k("user", user, "progress", request_id)

    def preference_pairs(self, user: str) -> str:
        """List of preference pairs (chosen/rejected versions) for training."""
        return self._k("user", user, "train", "pairs")

    def story_feedback(self, user: str) -> str:
        """List of what the user did with installments (kept, withdrawn, edited, retried)."""
        return self._k("user", user, "train", "feedback")

    def request_result(self, request_id: str) -> str:
        """Marks a story request as fulfilled (so a retried job delivers once)."""
        return self._k("request", request_id, "done")

    def safety(self, user: str) -> str:
        """The user's safety state (risk level, story pause)."""
        return self._k("user", user, "safety")

    def pending_stories(self, user: str) -> str:
        """Sorted set of the user's story request ids not yet fulfilled (backpressure)."""
        return self._k("user", user, "pending-stories")

    def user_settings(self, user: str) -> str:
        return self._k("user", user, "settings")

    def pseudonyms(self, user: str) -> str:
        """Names the user replaced with pseudonyms in exports."""
        return self._k("user", user, "pseudonyms")

    def data_key(self, user: str) -> str:
        """The user's data key, wrapped by the master key (deleting it shreds their data)."""
        return self._k("user", user, "data-key")

    def tombstone(self, tag: str) -> str:
        """Marks a forgotten user (by a keyed digest of their id): no new key, no late write."""
        return self._k("forgotten", tag)

    def story_request(self, user: str, request_id: str) -> str:
        """A story request, sealed: a job carries only its ids (never the user's words)."""
        return self._k("user", user, "request", request_id)

    def dropped_adapters(self) -> str:
        """Stream of adapter names to unload everywhere (their user was forgotten)."""
        return self._k("adapters", "dropped")

    # -- learning: adapters and fine-tunes ----------------------------------------
    def adapter_versions(self, user: str) -> str:
        """Hash version id -> adapter version record (the user's registry)."""
        return self._k("user", user, "adapters")

    def adapter_current(self, user: str) -> str:
        """The id of the user's promoted adapter version."""
        return self._k("user", user, "adapter-current")

    def training_withheld(self, user: str) -> str:
        """Hash turn id -> why it is kept out of training (private, withdrawn)."""
        return self._k("user", user, "train", "withheld")

    def training_tokens(self, user: str) -> str:
        """New tokens the user wrote since their last fine-tune started."""
        return self._k("user", user, "train", "new-tokens")

    def finetune_cooldown(self, user: str) -> str:
        """Set when a user's fine-tune is queued; none other is queued while it lives."""
        return self._k("user", user, "train", "cooldown")

    def finetune_lock(self, user: str) -> str:
        """Held while a fine-tune of the user is queued or running (one at a time)."""
        return self._k("finetune", "lock", user)

    # -- counselors: accounts and dashboard sessions (staff, not user data) -----
    def accounts(self) -> str:
        """Hash account id -> account record."""
        return self._k("counsel", "accounts")

    def account_emails(self) -> str:
        """Hash normalised email -> account id."""
        return self._k("counsel", "account-emails")

    def web_session(self, token_digest: str) -> str:
        """A dashboard login, by the SHA-256 of its cookie token."""
        return self._k("counsel", "web-session", token_digest)

    def login_failures(self, who_digest: str) -> str:
        """Failed-login counter for one account and address (digested)."""
        return self._k("counsel", "login-failures", who_digest)

    def pending_login(self, token_digest: str) -> str:
        """A login between its password and its second factor, by its cookie's SHA-256."""
        return self._k("counsel", "pending-login", token_digest)

    def password_link(self, token_digest: str) -> str:
        """A one-time set-password link (account id), by the SHA-256 of its token."""
        return self._k("counsel", "password-link", token_digest)

    def totp_used(self, account_id: str, step: int) -> str:
        """Exists once a TOTP code of this time step was accepted (no replay)."""
        return self._k("counsel", "totp-used", account_id, str(step))

    def chat_link_code(self, code: str) -> str:
        """A one-time code linking a counselor's own chat for alert messages."""
        return self._k("counsel", "chat-code", code)

    # -- counselors and their clients ------------------------------------------------
    def invite(self, code: str) -> str:
        return self._k("counsel", "invite", code)

    def client_link(self, user: str) -> str:
        """The user's link to a counselor (pending or active)."""
        return self._k("user", user, "counselor")

    def client_refs(self) -> str:
        """Hash client ref -> user key (refs are what dashboard URLs carry)."""
        return self._k("counsel", "client-refs")

    def counselor_clients(self, counselor_id: str) -> str:
        """Set of the users linked (actively) to a counselor."""
        return self._k("counsel", "clients", counselor_id)

    def privacy(self, user: str) -> str:
        return self._k("user", user, "privacy")

    def guided_session(self, user: str) -> str:
        """The user's current (or last) guided session."""
        return self._k("user", user, "guided")

    def review_hold(self, user: str) -> str:
        """Exists while the user's installments wait for their counselor's review."""
        return self._k("user", user, "review-hold")

    def held_installments(self, user: str) -> str:
        """Hash installment id -> held installment (the review queue of one client)."""
        return self._k("user", user, "held")

    def alerts(self) -> str:
        """Sorted set of every alert id by time (admins see all)."""
        return self._k("counsel", "alerts")

    def alert_users(self) -> str:
        """Hash alert id -> the user it is about."""
        return self._k("counsel", "alert-users")

    def user_alerts(self, user: str) -> str:
        """Hash alert id -> alert record, for one user."""
        return self._k("user", user, "alerts")

    def audit_log(self) -> str:
        """Stream of who viewed or changed what (no client text)."""
        return self._k("counsel", "audit")

    def audit_head(self) -> str:
        """SHA-256 of the newest audit entry (the next one's `prev`)."""
        return self._k("counsel", "audit-head")

    def audit_anchor(self) -> str:
        """The `prev` of the oldest entry kept, after retention removed older ones."""
        return self._k("counsel", "audit-anchor")
    def consent(self, user: str) -> str:
        """What the user agreed to (kept before anything else of theirs is stored)."""
        return self._k("user", user, "consent")

    def feedback(self, user: str) -> str:
        """List of the user's button presses under installments."""
        return self._k("user", user, "feedback")

    def user_communities(self, user: str) -> str:
        """Set of community stories the user contributed to (so /forget finds them)."""
        return self._k("user", user, "communities")

    def user_pattern(self, user: str) -> str:
        """SCAN pattern matching every per-user key of one user."""
        return ":".join((_glob_escape(self.prefix), "user", _glob_escape(user), "*"))

    def delivery_cursor_pattern(self, user: str) -> str:
        """SCAN pattern matching the user's delivery cursors on every platform."""
        return ":".join((_glob_escape(self.prefix), "cursor", "*", _glob_escape(user)))

    # -- delivery: per-user stream, per-platform wake-up ----------------------
    def deliveries(self, user: str) -> str:
        return self._k("user", user, "deliveries")

    def delivery_cursor(self, platform: str, user: str) -> str:
        return self._k("cursor", platform, user)

    def pending_delivery_users(self, platform: str) -> str:
        return self._k("outbox", platform, "pending")

    def delivery_wakeup(self, platform: str) -> str:
        return self._k("outbox", platform, "wake")

    def pending_delivery_pattern(self) -> str:
        """SCAN pattern matching every platform's pending-users set."""
        return ":".join((_glob_escape(self.prefix), "outbox", "*", "pending"))

    def delivery_wakeup_pattern(self) -> str:
        """SCAN pattern matching every platform's wake-up list."""
        return ":".join((_glob_escape(self.prefix), "outbox", "*", "wake"))

    # -- community stories: one per Discord thread (or Telegram group) ---------
    def communities(self) -> str:
        """Set of every community story key."""
        return self._k("communities")

    def community(self, story: str) -> str:
        """The community story record."""
        return self._k("community", story)

    def community_contributions(self, story: str) -> str:
        """List of the story's contributions in the order they were written."""
        return self._k("community", story, "contributions")

    def community_weaves(self, story: str) -> str:
        """List of the story's woven installments."""
        return self._k("community", story, "weaves")

    def community_members(self, story: str) -> str:
        """Set of the members who agreed that their words are kept in the story."""
        return self._k("community", story, "members")

    def community_weaving(self, story: str) -> str:
        """Set while a vote or a weave of the story is under way (one at a time)."""
        return self._k("community", story, "weaving")

    def vote(self, vote_id: str) -> str:
        """Hash of one vote: its story id (plain) and the record (sealed under the story's key)."""
        return self._k("vote", vote_id)

    def vote_ballots(self, vote_id: str) -> str:
        """Hash member -> chosen option of one vote."""
        return self._k("vote", vote_id, "ballots")

    def vote_ballots_pattern(self) -> str:
        """SCAN pattern matching every vote's ballots."""
        return ":".join((_glob_escape(self.prefix), "vote", "*", "ballots"))

    def votes_due(self) -> str:
        """Sorted set of open votes scored by when they close."""
        return self._k("votes", "due")

    # -- reminders and voice notes (issue 16) ----------------------------------
    def reminder(self, user: str) -> str:
        """The user's reminder plan: cadence, time, time zone, quiet hours, pause."""
        return self._k("user", user, "reminder")

    def reminder_fired(self, user: str) -> str:
        """The due time (unix seconds) of the user's last reminder slot handled (exactly once)."""
        return self._k("user", user, "reminder-fired")

    def reminders_due(self) -> str:
        """Sorted set user -> when their next reminder is due (unix seconds)."""
        return self._k("reminders", "due")

    def voice_audio(self, user: str, voice_id: str) -> str:
        """A voice note's audio, sealed, kept only until it is transcribed."""
        return self._k("user", user, "voice-audio", voice_id)

    def voice_notes(self, user: str) -> str:
        """Hash voice id -> transcribed voice note waiting to be kept, corrected or dropped."""
        return self._k("user", user, "voice")

    def voice_fixing(self, user: str) -> str:
        """The voice note whose correction the user's next message is."""
        return self._k("user", user, "voice-fixing")

    def voice_keep_recordings(self, user: str) -> str:
        """Exists while the user chose to keep the recordings of their voice notes."""
        return self._k("user", user, "voice-keep-recordings")

    def voice_kept_audio(self, user: str, voice_id: str) -> str:
        """A voice note's sealed audio, kept only for users who chose to keep recordings."""
        return self._k("user", user, "voice-kept", voice_id)

    def voice_kept_pattern(self, user: str) -> str:
        """SCAN pattern matching every kept recording of one user."""
        return ":".join((_glob_escape(self.prefix), "user", _glob_escape(user), "voice-kept",
                         "*"))

    # -- operations -----------------------------------------------------------
    def dead_letters(self) -> str:
        return self._k("dead-letter")

    # -- the book and the family: photos, versions, corrections, family links ----------
    def photos(self, user: str) -> str:
        """Hash photo id -> photo record (sealed)."""
        return self._k("user", user, "photos")

    def photo_image(self, user: str, photo_id: str, size: str) -> str:
        """A photo's image bytes in one size ("print" or "screen"), sealed."""
        return self._k("user", user, "photo", photo_id, size)

    def part_versions(self, user: str, root_id: str) -> str:
        """List of the installment ids that were versions of one part, oldest first."""
        return self._k("user", user, "versions", root_id)

    def version_roots(self, user: str) -> str:
        """Hash installment id -> the id of the first version of its part."""
        return self._k("user", user, "version-roots")

    def corrections(self, user: str) -> str:
        """List of the user's corrections of what storyloom understood (sealed)."""
        return self._k("user", user, "corrections")

    def family_links(self, user: str) -> str:
        """Hash link id -> family link record (sealed; the token itself is never kept)."""
        return self._k("user", user, "family", "links")

    def family_questions(self, user: str) -> str:
        """Hash question number -> a question the family left (sealed)."""
        return self._k("user", user, "family", "questions")

    def family_token(self, digest: str) -> str:
        """A family link by the SHA-256 of its token: "user\nlink id" (expires with it)."""
        return self._k("family", "token", digest)

    def family_digests(self, user: str) -> str:
        """Set of the token digests of the user's family links (so /forget finds them)."""
        return self._k("user", user, "family", "digests")

    def family_tokens_pattern(self) -> str:
        """SCAN pattern matching every family token."""
        return ":".join((_glob_escape(self.prefix), "family", "token", "*"))


def _glob_escape(part: str) -> str:
    """A key part with Redis glob characters escaped, for SCAN MATCH."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in part)
