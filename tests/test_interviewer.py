"""The interviewer and open-ended lasting facts, through intake, Redis, the real NLU worker
and the reply it queues (issue 16 item 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.conversation.commands import HELP, CommandContext, dispatch
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.conversation.replies import _HEAVY
from worker.ops.runtime import WorkerContext

START = datetime(2026, 5, 1, 10, tzinfo=UTC)


def _say(ctx: WorkerContext, analyzer, user: str, texts: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """Each message in turn; the reply storyloom queued to each."""
    replies = []
    for n, text in enumerate(texts):
        intake = receive_text(ctx.store, ctx.settings, user=user, platform="local",
                              chat_id=user, text=text, at=START + timedelta(minutes=n))
        assert intake.turn is not None
        NluWorker(ctx.store, analyzer).run(burst=True, block_ms=50)
        [reply] = [d.text for _, d in ctx.store.deliveries_after(user, "local", 1000)
                   if d.in_reply_to == intake.turn.turn_id]
        replies.append(reply)
    return replies


def test_asks_what_is_missing_never_twice_and_not_what_was_declined(
        ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:ines"
    replies = _say(ctx, analyzer, user, [
        "My grandfather Joe was a fisherman in Faro.",
        "He took me out on his boat when I was seven.",
        "We caught an enormous octopus and carried it home to my grandmother.",
        "I'd rather not talk about my grandfather.",
    ])
    # a person named but never described, with the pronoun his relation gives
    assert "Your grandfather Joe: what was he like?" in replies[0]
    # the age was told: not asked again; and never the same question twice
    assert "How old" not in replies[1]
    questions = [r.split(". ", 1)[1] for r in replies]
    assert len(set(questions)) == len(questions)
    # declined: acknowledged, and from then on nothing about him
    assert replies[3].startswith("Of course")
    commands = CommandContext(ctx.settings, ctx.store, ctx.store.redis)
    later = [dispatch(commands, user, "ask", "").text for _ in range(6)]
    assert all("grandfather" not in q.lower() for q in [replies[3], *later])
    assert len(set(later)) == len(later) and all(q.endswith("?") for q in later)
    assert "ask" in HELP


def test_gentle_after_grief(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    [reply] = _say(ctx, analyzer, "local:rui", [
        "My mother died when I was twelve. I miss her every day."])
    assert reply.startswith(_HEAVY)
    assert not any(probe in reply for probe in ("How old", "Where were you", "What happened"))


def test_open_ended_facts_are_kept_and_retracted(
        ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    user = "local:tom"
    _say(ctx, analyzer, user, [
        "I read twenty books a year.",
        "I am a stunt double as my second job.",
        "I love to go hiking on weekends.",
        "I smoke.",
        "I don't smoke anymore.",
    ])
    facts = {(f.predicate, f.object): f.active for f in ctx.store.get_profile(user).facts}
    assert facts[("routine", "read twenty books a year")]
    assert facts[("role", "stunt double as my second job")]
    assert facts[("likes", "go hiking on weekends")]
    assert facts[("habit", "smoke")] is False  # said, then retracted


def test_a_hard_moment_is_never_called_lovely_and_how_old_is_asked_once(
        ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    """Seen replaying Equiano: "That's a lovely thing to remember" to a kidnapping, and "How
    old were you when..." about one earlier moment after another."""
    replies = _say(ctx, analyzer, "local:kofi", [
        "One night two men climbed over our wall and took my sister and me.",
        "They tied our hands and walked us through the forest until morning.",
        "We reached a small hut where the men stopped to eat.",
        "We were untied, but we could not eat anything.",
        "The next day we walked on along a river.",
        "At last we came to a road that I thought I knew.",
    ])
    assert not any("lovely" in r for r in replies), replies
    assert sum("How old were you" in r for r in replies) <= 2, replies


def test_after_grief_with_no_moment_the_person_grieved_is_the_gentle_question(
        ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    """Seen replaying Keller: the father named a message before, then "He had a short
    illness... my first great sorrow" got only "Take your time"."""
    replies = _say(ctx, analyzer, "local:ana", [
        "My father Tomas was a fisherman in Nazare.",
        "He had a short illness, and then it was all over. It was my first great sorrow.",
    ])
    assert replies[1].startswith(_HEAVY)
    assert "Would you like to tell me more about your father Tomas" in replies[1], replies[1]


def test_a_title_gives_the_pronoun() -> None:
    """Second held-out set: "Mrs Lamara: what were they like?"."""
    from worker.conversation.interview import pronoun
    from worker.profile.model import Person

    def of(name: str) -> str:
        return pronoun(Person(name=name, first_seen=START, last_seen=START))

    assert [of("Mrs Lamara"), of("Mr. Hale"), of("Josie")] == ["she", "he", "they"]
