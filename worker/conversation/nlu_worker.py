"""The NLU worker: reads turns from the stream shards and folds them into profiles.

At-least-once delivery from the consumer group, made exactly-once by the
store: a turn's profile update, its processed-marker, its reply and its ack
commit in one transaction, and a redelivered turn is only acknowledged.

Per-user order: the turns stream is split into shards by user
(:data:`worker.store.keys.TURN_SHARDS`), and each shard is owned by one worker at a
time through a lease in Redis. The live workers share the shards evenly. A
worker that takes a shard first finishes the turns its previous owner left
unacknowledged, then reads new ones, so a user's turns are applied in the
order they were said. The lease is checked inside the apply transaction
(a fencing check): a worker that stalled past its lease cannot apply a turn
after the new owner has moved on.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from worker.conversation.photos import link_turn_photos
from worker.conversation.replies import answer
from worker.conversation.safety_step import SafetyStep, TurnSafety
from worker.counsel.guide import guided_reply
from worker.ops import metrics
from worker.ops.procs import process_gone, process_name
from worker.profile import corrections
from worker.profile.model import Profile, apply_analysis, revise_analysis
from worker.store.base import UserForgotten
from worker.store.keys import TURN_SHARDS
from worker.store.profiles import Update
from worker.store.records import Delivery, Turn, utcnow
from worker.store.revisions import revision_marker
from worker.store.store import Store
from worker.store.turns import LeaseLost, ShardEntry

logger = logging.getLogger(__name__)

GROUP = "nlu"
BATCH = 32
CHUNK = 8
LEASE_MS = 15_000
MAX_BACKOFF_S = 5.0
REVISED = "Thanks for the correction: I've updated what I kept from that message."


def consumer_name() -> str:
    """Unique per process, so a restarted worker is a new consumer."""
    return process_name()


class NluWorker:
    """Consumes its shards of the turns stream and applies results to profiles."""

    def __init__(
        self, store: Store, analyzer: Any, consumer: str | None = None,
        lease_ms: int = LEASE_MS, beat: Callable[[], None] | None = None,
        safety: SafetyStep | None = None, on_applied: Callable[[Turn], object] | None = None,
    ) -> None:
        self.store = store
        # called once per turn revision applied (the learning loop counts new words here)
        self.on_applied = on_applied
        self.safety = safety or SafetyStep(store)
        self.analyzer = analyzer
        self.consumer = consumer or consumer_name()
        self.lease_ms = lease_ms
        self.beat = beat or (lambda: metrics.progress("nlu"))
        self.stop_event = threading.Event()
        self.processed = 0
        self.held: set[int] = set()
        self._pending: set[int] = set()  # shards whose left-over turns come first
        self._renewed = 0.0
        self._group_ready = False  # made on first use: Redis may be down at start

    # -- shards -------------------------------------------------------------------
    def _live(self) -> int:
        live = {c for c in self.store.live_consumers(self.lease_ms / 1000)
                if not process_gone(c)}
        return len(live | {self.consumer})

    def _renew(self) -> None:
        for shard in sorted(self.held):
            if not self.store.acquire_shard(shard, self.consumer, self.lease_ms):
                logger.warning("lost the lease of turns shard %s", shard)
                self.held.discard(shard)
                self._pending.discard(shard)
        self._renewed = time.monotonic()

    def balance(self) -> None:
        """Renew this worker's shards, give back extras, take free or orphaned ones."""
        if not self._group_ready:
            self.store.ensure_turn_group(GROUP)
            self._group_ready = True
        self.store.heartbeat_consumer(self.consumer)
        self._renew()
        cap = math.ceil(TURN_SHARDS / self._live())
        for shard in sorted(self.held)[cap:]:
            self.store.release_shard(shard, self.consumer)
            self.held.discard(shard)
            self._pending.discard(shard)
        for shard, owner in enumerate(self.store.shard_owners()):
            if len(self.held) >= cap:
                break
            if owner == self.consumer or (owner is not None and not process_gone(owner)):
                continue
            if self.store.acquire_shard(shard, self.consumer, self.lease_ms, replacing=owner):
                moved = self.store.claim_shard(GROUP, self.consumer, shard)
                if moved:
                    logger.info("took over %s turns of shard %s", moved, shard)
                self.held.add(shard)
                self._pending.add(shard)

    def release_all(self) -> None:
        """Give every shard back (a clean stop), so others take them at once."""
        for shard in sorted(self.held):
            self.store.release_shard(shard, self.consumer)
        self.held.clear()
        self._pending.clear()
        self.store.forget_consumer(self.consumer)

    # -- turns --------------------------------------------------------------------
    def _analyses(self, valid: list[ShardEntry]) -> list[Any]:
        """One analysis per turn; a turn the analyzer fails on gets None."""
        births: dict[str, int | None] = {}
        for _, _, t in valid:
            if t is not None and t.user not in births:
                births[t.user] = self.store.get_profile(t.user).birth_year
        items = [(t.turn_id, t.text, t.created_at.date(), births[t.user])
                 for _, _, t in valid if t]
        try:
            return list(self.analyzer.analyze_stream(items))
        except Exception as exc:  # noqa: BLE001 - find the one turn that fails, keep the rest
            metrics.error("nlu", exc)
            out: list[Any] = []
            for item in items:
                try:
                    out.append(next(iter(self.analyzer.analyze_stream([item]))))
                except Exception as one:  # noqa: BLE001
                    logger.error("NLU failed on turn %s: %s", item[0], type(one).__name__)
                    out.append(None)
            return out

    def _update(self, turn: Turn, analysis: Any, safety: TurnSafety) -> Update:
        """The profile change of a turn (and its reply), or of an edited turn's new text."""
        if turn.revision > 0:
            def revise(profile: Profile) -> tuple[Profile, list[Delivery]]:
                after, contradictions = revise_analysis(profile, analysis, turn.turn_id,
                                                        turn.seq, turn.created_at)
                after = corrections.apply(after, self.store.corrections(turn.user))
                text = answer(analysis, profile, after, turn.turn_id, turn.text,
                              contradictions)[0] if contradictions else REVISED
                return after, [Delivery(user=turn.user, kind="reply",
                                        in_reply_to=turn.turn_id, text=text)]
            return revise
        # a crisis reply comes first; else the next prompt of a guided session
        said = safety.reply or guided_reply(self.store, turn)
        # what the user kept private (/notrain) is never asked about
        private = {t for t, why in self.store.withheld_turns(turn.user).items()
                   if why == "private"} if not said else set()

        def update(profile: Profile) -> tuple[Profile, list[Delivery]]:
            after, contradictions = apply_analysis(profile, analysis, turn.turn_id, turn.seq,
                                                   turn.created_at)
            # the user's corrections stand: an old message read again cannot undo them
            after = corrections.apply(after, self.store.corrections(turn.user))
            text = said
            if text is None:
                text, after = answer(analysis, profile, after, turn.turn_id, turn.text,
                                     contradictions, private)
            reply = Delivery(user=turn.user, kind="reply", in_reply_to=turn.turn_id, text=text,
                             crisis=safety.resume if safety.reply else None)
            return after, [reply, *safety.notices]
        return update

    def _apply(self, shard: int, entry_id: str, turn: Turn, analysis: Any,
               safety: TurnSafety) -> None:
        if time.monotonic() - self._renewed > self.lease_ms / 3000:
            self._renew()
        if self.store.apply_turn(turn, GROUP, entry_id, self._update(turn, analysis, safety),
                                 marker=revision_marker(turn), shard=shard,
                                 lease=self.consumer):
            self.processed += 1
            metrics.NLU_TURNS.labels(outcome="applied").inc()
            if turn.attachments:  # a photo's caption: note what it names on the photo
                link_turn_photos(self.store, turn, analysis)
            if self.on_applied is not None:
                self.on_applied(turn)
            if turn.revision == 0:
                metrics.NLU_TURN_LATENCY.observe((utcnow() - turn.created_at).total_seconds())
        else:
            metrics.NLU_TURNS.labels(outcome="duplicate").inc()
            logger.info("turn %s of user %s was already applied; acknowledged only",
                        turn.turn_id, turn.user)

    def process(self, entries: list[ShardEntry]) -> int:
        """Analyse and apply stream entries in order, a chunk at a time; returns how many."""
        started = time.perf_counter()
        for shard, eid, turn in entries:
            if turn is None:
                metrics.NLU_TURNS.labels(outcome="dead_letter").inc()
                self.store.ack_turn(GROUP, eid, shard)
        valid = [e for e in entries if e[2] is not None]
        # chunks keep the lease renewed while a long batch is analysed
        for i in range(0, len(valid), CHUNK):
            self._renew()
            chunk = [e for e in valid[i:i + CHUNK] if e[0] in self.held]
            risks = self.safety.check([t for _, _, t in chunk if t is not None])
            self._renew()  # a check can take long (the model loads here unless loaded at start)
            for (shard, eid, turn), analysis, risk in zip(chunk, self._analyses(chunk), risks,
                                                          strict=True):
                assert turn is not None
                if shard in self.held:
                    self._apply_one(shard, eid, turn, analysis, risk)
        if entries:
            metrics.NLU_BATCH_SECONDS.observe(time.perf_counter() - started)
        return len(entries)

    def _apply_one(self, shard: int, eid: str, turn: Turn, analysis: Any,
                   safety: TurnSafety) -> None:
        if analysis is None:
            self.store.dead_letter(self.store.keys.turns_stream(shard), turn.model_dump_json(),
                                   "NLU failed on this turn")
            metrics.NLU_TURNS.labels(outcome="failed").inc()
            self.store.ack_turn(GROUP, eid, shard)
            return
        try:
            self._apply(shard, eid, turn, analysis, safety)
        except UserForgotten:  # forgotten while this turn was in hand: nothing comes back
            logger.info("turn %s dropped: its user was forgotten", turn.turn_id)
            metrics.NLU_TURNS.labels(outcome="forgotten").inc()
            self.store.ack_turn(GROUP, eid, shard)
        except LeaseLost:
            logger.warning("shard %s moved to another worker mid-batch", shard)
            metrics.NLU_TURNS.labels(outcome="fenced").inc()
            self.held.discard(shard)
            self._pending.discard(shard)

    def step(self, block_ms: int) -> int:
        """One round: balance shards, finish left-over turns, then read new ones."""
        self.balance()
        if self._pending:
            shards = sorted(self._pending)
            entries = self.store.read_turns(GROUP, self.consumer, shards, BATCH, 0, pending=True)
            self._pending -= set(shards) - {s for s, _, _ in entries}
            if entries:
                return self.process(entries)
        if not self.held:
            self.stop_event.wait(block_ms / 1000)
            return 0
        return self.process(
            self.store.read_turns(GROUP, self.consumer, sorted(self.held), BATCH, block_ms))

    def run(self, burst: bool = False, block_ms: int = 1000) -> None:
        """Process turns until stopped (or, in burst mode, until none are waiting)."""
        logger.info("NLU worker %s started", self.consumer)
        backoff = 0.1
        try:
            while not self.stop_event.is_set():
                try:
                    count = self.step(block_ms)
                except redis.ResponseError as exc:
                    if "NOGROUP" not in str(exc):
                        raise
                    logger.warning("the NLU consumer group is gone (Redis lost data?); "
                                   "making it again")
                    self._group_ready = False
                    continue
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    metrics.error("nlu", exc)
                    logger.warning("Redis unavailable (%s); retrying in %.1fs",
                                   type(exc).__name__, backoff)
                    self.stop_event.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                    continue
                backoff = 0.1
                self.beat()
                if count == 0 and burst and not self._pending:
                    break
        finally:
            try:
                self.release_all()
            except redis.RedisError as exc:
                metrics.error("nlu", exc)  # the leases expire by themselves
        logger.info("NLU worker %s stopped after %s turns", self.consumer, self.processed)
