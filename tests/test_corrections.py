"""Corrections in plain sentences (and /fix) fix the profile and the knowledge graph, and the
next installments' plans follow them; /people lists people with their relations."""

from __future__ import annotations

from bot.inbound import Inbound
from bot.private import PrivateChat
from tests.chat_harness import command_context, run_nlu
from worker.conversation.commands import dispatch
from worker.ops.runtime import WorkerContext
from worker.profile.corrections import recognise
from worker.story.planner import make_beat, moments

USER = "local:gran"


def _say(chat: PrivateChat, text: str) -> list[str]:
    return [r.text for r in chat.handle(Inbound(kind="text", platform="local", user=USER,
                                                 chat_id=USER, private=True, text=text))]


def test_sentences_that_correct_and_ones_that_do_not() -> None:
    said = recognise("Ana is my cousin, not my sister.")
    assert said is not None and (said.kind, said.subject, said.relation) == (
        "relation", "Ana", "cousin")
    said = recognise("Tom isn't my brother, he's my neighbour")
    assert said is not None and (said.subject, said.relation) == ("Tom", "neighbour")
    assert recognise("My mum is my best friend, not my boss") is not None
    said = recognise("Forget that I lived in Faro.")
    assert said is not None and (said.kind, said.subject) == ("forget", "I lived in Faro")
    for plain in ("Ana is my cousin.", "I forget things these days.", "Forget it, I was young",
                  "My sister Ana lived in Faro."):
        assert recognise(plain) is None, plain
    assert recognise("Ana is my cousin", command=True) is not None


def test_a_relation_and_a_place_corrected_in_plain_sentences(
        ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    store, cctx = ctx.store, command_context(ctx)
    store.give_consent(USER, "local")
    chat = PrivateChat(cctx, "local")
    _say(chat, "In 1990 my sister Ana and I lived in Faro by the sea.")
    _say(chat, "My brother Tomás taught me to swim in Porto.")
    run_nlu(ctx, analyzer)
    assert "Ana (sister)" in dispatch(cctx, USER, "people", "").text
    answer = _say(chat, "Ana is my cousin, not my sister")
    assert answer == ["Thank you: Ana is your cousin. I've corrected it, and your next "
                      "installments will say so."]
    assert len(store.turns(USER)) == 2, "a correction is not a turn (nothing to relearn)"
    assert "Ana (cousin)" in dispatch(cctx, USER, "people", "").text
    graph = store.get_graph(USER)
    ana = next(n for n in graph.nodes if n.label == "Ana")
    assert ana.attrs["relation"] == "cousin"
    profile = store.get_profile(USER)
    faro = next(m for m in moments(profile) if any(e.place == "Faro" or "Faro" in e.text
                                                   for e in m))
    beat = make_beat(faro, profile, "second")
    assert "cousin Ana" in beat.text and "sister" not in beat.text, beat.text

    forgot = _say(chat, "Forget that I lived in Faro.")
    assert forgot[0].startswith("Done: I've forgotten what you told me about Faro")
    profile = store.get_profile(USER)
    assert "Faro" not in {p.name for p in profile.places}
    assert not any("Faro" in e.text for m in moments(profile) for e in m)
    assert not any(n.label == "Faro" for n in store.get_graph(USER).nodes)
    assert any("Porto" in e.text for e in profile.events), "the rest is untouched"

    _say(chat, "Ana came to see me last summer with her dog.")
    run_nlu(ctx, analyzer)
    people = {p.name: p.relation for p in store.get_profile(USER).people}
    assert people["Ana"] == "cousin", "a later message does not undo the correction"
    assert "Faro" not in {p.name for p in store.get_profile(USER).places}
    assert [c.kind for c in store.corrections(USER)] == ["relation", "forget"]


def test_a_correction_about_someone_unknown_changes_nothing_and_loses_nothing(
        ctx: WorkerContext) -> None:
    store, cctx = ctx.store, command_context(ctx)
    store.give_consent(USER, "local")
    chat = PrivateChat(cctx, "local")
    answer = _say(chat, "Bea is my cousin, not my sister")
    assert answer[0].startswith("I don't know anyone called Bea yet, so there was nothing to "
                                "correct.")
    assert "I kept your message" in answer[0]
    assert [t.text for t in store.turns(USER)] == ["Bea is my cousin, not my sister"]
    fixed = dispatch(cctx, USER, "fix", "forget about Lagos").text
    assert fixed.startswith("I don't have anything about \"Lagos\" to forget")
    assert "Tell me what to fix" in dispatch(cctx, USER, "fix", "").text
    assert "couldn't tell what to correct" in dispatch(cctx, USER, "fix", "¿qué?").text
    assert [(c.kind, c.applied) for c in store.corrections(USER)] == [
        ("relation", False), ("forget", False)], "every attempt is kept, none applied"
