"""The NLU worker: reads turns from the stream and folds them into profiles.

At-least-once delivery from the consumer group, made exactly-once by the
store: a turn's profile update, its processed-marker, its reply and its ack
commit in one transaction, and a redelivered turn is only acknowledged.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from worker.conversation import reply_to
from worker.counsel_guide import guided_reply
from worker.procs import process_gone, process_name
from worker.profile import Profile, apply_analysis, revise_analysis
from worker.records import Delivery, Turn
from worker.safety_step import SafetyStep, TurnSafety
from worker.store import Store

logger = logging.getLogger(__name__)

GROUP = "nlu"
BATCH = 32
# A turn read by a consumer that then died is taken over after this idle time.
CLAIM_IDLE_MS = 30_000
REVISED = "Thanks for the correction: I've updated what I kept from that message."


def consumer_name() -> str:
    """Unique per process, so a restarted worker is a new consumer."""
    return process_name()


class NluWorker:
    """Consumes the turns stream with an analyzer and applies results to profiles."""

    def __init__(
        self, store: Store, analyzer: Any, consumer: str | None = None,
        claim_idle_ms: int = CLAIM_IDLE_MS, safety: SafetyStep | None = None,
    ) -> None:
        self.store = store
        self.safety = safety or SafetyStep(store)
        self.claim_idle_ms = claim_idle_ms
        self.analyzer = analyzer
        self.consumer = consumer or consumer_name()
        self.stop_event = threading.Event()
        self.processed = 0
        store.ensure_turn_group(GROUP)

    def _apply_revision(self, entry_id: str, turn: Turn, analysis: Any) -> bool:
        def update(profile: Profile) -> tuple[Profile, list[Delivery]]:
            after, contradictions = revise_analysis(profile, analysis, turn.turn_id, turn.seq,
                                                    turn.created_at)
            text = reply_to(analysis, profile, turn.turn_id, contradictions) if contradictions \
                else REVISED
            reply = Delivery(user=turn.user, kind="reply", in_reply_to=turn.turn_id, text=text)
            return after, [reply]

        return self.store.apply_revision(turn, GROUP, entry_id, update)

    def _apply(self, entry_id: str, turn: Turn, analysis: Any, safety: TurnSafety) -> None:
        if turn.revision > 0:
            if self._apply_revision(entry_id, turn, analysis):
                self.processed += 1
            return
        # a crisis reply comes first; else the next prompt of a guided session
        said = safety.reply or guided_reply(self.store, turn)

        def update(profile: Profile) -> tuple[Profile, list[Delivery]]:
            after, contradictions = apply_analysis(profile, analysis, turn.turn_id, turn.seq,
                                                   turn.created_at)
            reply = Delivery(user=turn.user, kind="reply", in_reply_to=turn.turn_id,
                             text=said or reply_to(analysis, profile, turn.turn_id,
                                                   contradictions))
            return after, [reply, *safety.notices]

        if self.store.apply_turn(turn, GROUP, entry_id, update):
            self.processed += 1
        else:
            logger.info("turn %s of user %s was already applied; acknowledged only",
                        turn.turn_id, turn.user)

    def process(self, entries: list[tuple[str, Turn | None]]) -> int:
        """Analyse a batch of stream entries and apply each; returns how many there were."""
        valid = [(eid, t) for eid, t in entries if t is not None]
        for eid, turn in entries:
            if turn is None:
                self.store.ack_turn(GROUP, eid)
        births: dict[str, int | None] = {}
        for _, t in valid:
            if t.user not in births:
                births[t.user] = self.store.get_profile(t.user).birth_year
        items = [(t.turn_id, t.text, t.created_at.date(), births[t.user]) for _, t in valid]
        risks = self.safety.check([t for _, t in valid])
        analyses = self.analyzer.analyze_stream(items)
        for (eid, turn), analysis, risk in zip(valid, analyses, risks, strict=True):
            self._apply(eid, turn, analysis, risk)
        return len(entries)

    def step(self, block_ms: int) -> int:
        """One round: take over abandoned turns, then read new ones."""
        stale = self.store.claim_stale_turns(GROUP, self.consumer, self.claim_idle_ms, BATCH)
        if stale:
            logger.info("took over %s turns from a consumer that stopped", len(stale))
            return self.process(stale)
        return self.process(self.store.read_turns(GROUP, self.consumer, BATCH, block_ms))

    def recover_dead_consumers(self) -> int:
        """Process the turns that consumers on this host left behind when they died."""
        recovered = 0
        for name in self.store.turn_consumers(GROUP):
            if name != self.consumer and process_gone(name):
                entries = self.store.take_over_consumer(GROUP, name, self.consumer)
                logger.info("took over %s turns from stopped consumer %s", len(entries), name)
                recovered += self.process(entries)
        return recovered

    def run(self, burst: bool = False, block_ms: int = 1000) -> None:
        """Process turns until stopped (or, in burst mode, until none are waiting)."""
        logger.info("NLU worker %s started", self.consumer)
        self.recover_dead_consumers()
        while not self.stop_event.is_set():
            if self.step(block_ms) == 0 and burst:
                break
        logger.info("NLU worker %s stopped after %s turns", self.consumer, self.processed)
