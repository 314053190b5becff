"""/share on gives group stories only what may be shared: never a turn flagged for safety or
kept out with /notrain; /share preview shows the member exactly that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.private import PrivateChat
from tests.chat_harness import command_context
from worker.community.records import Contribution
from worker.community.weave import shared_memories
from worker.counsel.records import Alert
from worker.ops.runtime import WorkerContext
from worker.profile.model import LifeEvent, Profile

USER = "telegram:61"
SAID = {"t1": "My brother Casimir and I built a raft on the Vistula.",
        "t2": "I stood on the Debnicki bridge and wanted to jump.",
        "t3": "My first husband Tadeusz gambled away the flat."}


def test_shared_memories_leave_out_flagged_and_notrain_turns(ctx: WorkerContext) -> None:
    store, start = ctx.store, datetime(2026, 1, 1, tzinfo=UTC)
    store.give_consent(USER, "telegram")
    events = tuple(LifeEvent(text=text, predicate="say", score=0.9, turn_id=tid,
                             said_at=start + timedelta(minutes=i))
                   for i, (tid, text) in enumerate(SAID.items()))
    store.save_profile(Profile(user=USER, events=events))
    store.record_alert(Alert(alert_id="a1", user=USER, turn_id="t2", level="high",
                             categories=("suicidal_ideation",)))
    store.withhold_turns(USER, ["t3"], "private")  # what /notrain records
    store.set_community_sharing(USER, True)
    wrote = Contribution(story="telegram-group:-1", author=USER, name="Ewa", text="Hello.")
    shared = [s.text for s in shared_memories(store, [wrote])]
    assert shared == [SAID["t1"]], shared
    [preview] = PrivateChat(command_context(ctx), "telegram").command(USER, "share", "preview")
    assert SAID["t1"] in preview.text
    assert SAID["t2"] not in preview.text and SAID["t3"] not in preview.text
