"""What storyloom understood, as the worker stores it: facts that change, the
timeline, people with their aliases, and the knowledge graph in Redis."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.ops.runtime import WorkerContext
from worker.profile.graph import about, build_graph, events_at, events_in, to_graphml, to_json
from worker.profile.model import timeline, withdraw_turns

LIFE = [
    (datetime(2026, 9, 10, tzinfo=UTC), "I live in Lisbon with my husband Rui."),
    (datetime(2026, 9, 10, tzinfo=UTC),
     "My grandmother Maria taught me to bake bread in Lisbon when I was seven."),
    (datetime(2026, 9, 11, tzinfo=UTC), "In 1998 my family moved to Porto."),
    (datetime(2026, 9, 11, tzinfo=UTC), "I never went to Paris, but I want to go one day."),
    (datetime(2026, 9, 12, tzinfo=UTC), "I was born in 1980."),
    (datetime(2026, 9, 12, tzinfo=UTC), "Grandma Maria always sang while she baked."),
    (datetime(2026, 11, 20, tzinfo=UTC), "I live in Porto now."),
]


def _tell(ctx: WorkerContext, analyzer, user: str) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for at, text in LIFE:
        intake = receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user,
                              text=text, at=at)
        assert intake.turn is not None
        ids.append(intake.turn.turn_id)
        NluWorker(ctx.store, analyzer).run(burst=True, block_ms=50)
    return ids


def test_a_life_told_over_weeks(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:lia"
    ids = _tell(ctx, analyzer, user)
    profile = ctx.store.get_profile(user)
    # a fact that changes is not silently replaced: the old one is kept, superseded
    lives = [f for f in profile.facts if f.predicate == "lives_in"]
    assert [(f.object, f.active) for f in lives] == [("Lisbon", False), ("Porto", True)]
    assert lives[0].superseded_at is not None and lives[0].superseded_at.isoformat() == "2026-11-20"
    # ... and the conversation asks about it
    replies = {d.in_reply_to: d.text for _, d in ctx.store.deliveries_after(user, "local")}
    assert "What changed?" in replies[ids[-1]] and "Lisbon" in replies[ids[-1]]
    assert profile.birth_year == 1980
    # aliases merged: Grandma Maria is the grandmother Maria
    marias = [p for p in profile.people if p.name == "Maria"]
    assert len(marias) == 1 and marias[0].relation == "grandmother"
    assert marias[0].mentions >= 2
    # negated and wished-for events are not on the timeline
    assert not any("Paris" in e.text for e in profile.events)
    # "when I was seven" sorts as 1987 once the birth year is known: before 1998
    texts = [e.text for e in timeline(profile)]
    bread = next(i for i, t in enumerate(texts) if "bake bread" in t)
    moved = next(i for i, t in enumerate(texts) if "moved to Porto" in t)
    assert bread < moved


def test_the_graph_answers_questions_and_exports(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:mo"
    _tell(ctx, analyzer, user)
    graph = ctx.store.get_graph(user)
    assert graph == build_graph(ctx.store.get_profile(user)), "Redis holds the profile's graph"
    maria = {n.label for _, n in about(graph, "Grandma")}
    assert any("bake bread" in label for label in maria), "found through an alias"
    assert any("bake bread" in n.label for n in events_at(graph, "Lisbon"))
    assert [n.label for n in events_in(graph, 1998)] == ["In 1998 my family moved to Porto"]
    data = to_json(graph)
    assert {n["kind"] for n in data["nodes"]} >= {"user", "person", "place", "event", "fact"}
    ids = {n["id"] for n in data["nodes"]}
    assert all(link["source"] in ids and link["target"] in ids for link in data["links"])
    root = ET.fromstring(to_graphml(graph))
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(root.findall(f"{ns}graph/{ns}node")) == len(graph.nodes)
    assert len(root.findall(f"{ns}graph/{ns}edge")) == len(graph.edges)


def test_withdrawing_a_turn_takes_back_what_it_said(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:nia"
    ids = _tell(ctx, analyzer, user)
    profile = ctx.store.get_profile(user)
    without = withdraw_turns(profile, {ids[-1]})  # "I live in Porto now."
    lives = [(f.object, f.active) for f in without.facts if f.predicate == "lives_in"]
    assert lives == [("Lisbon", True)], "the old fact is current again"
    assert not without.contradictions
    gone = withdraw_turns(profile, {ids[2]})  # "In 1998 my family moved to Porto."
    assert not any("1998" in (e.time or "") for e in gone.events)
    assert "Porto" in {p.name for p in gone.places}, "still named in a later turn"
