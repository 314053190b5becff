"""Story state and the controls that need no model: /undo, /edit, /chapter, /pov, /tense,
/tone and /about's answers, against a real Redis."""

from __future__ import annotations

from worker.conversation.commands import CommandContext, dispatch
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery, GenerationStats, Installment

USER = "local:kit"


def _part(ctx: WorkerContext, number: int, text: str) -> Installment:
    stats = GenerationStats(model="m", prompt_tokens=1, new_tokens=1, seconds=1, tokens_per_s=1)
    inst = Installment(user=USER, request_id=f"req-{number}", number=number, text=text,
                       tone="auto", event_ids=(f"e{number}",), stats=stats,
                       turn_ids=(f"t{number}",))
    delivery = Delivery(user=USER, kind="installment", text=text,
                        installment_id=inst.installment_id)
    assert ctx.store.save_installment(inst, delivery)
    return inst


def _say(ctx: WorkerContext, name: str, args: str = "") -> str:
    cc = CommandContext(ctx.settings, ctx.store, ctx.store.redis)
    return dispatch(cc, USER, name, args).text


def test_undo_and_edit_change_the_story_and_keep_training_records(ctx: WorkerContext) -> None:
    assert _say(ctx, "undo") == "There's nothing to take back yet."
    one = _part(ctx, 1, "Part one, as the model wrote it.")
    two = _part(ctx, 2, "Part two, as the model wrote it.")
    assert "took back part 2" in _say(ctx, "undo")
    assert [i.installment_id for i in ctx.store.installments(USER)] == [one.installment_id]
    assert "own words" in _say(ctx, "edit", "  Part one,\n as I remember it.  ")
    [mine] = ctx.store.installments(USER)
    assert mine.text == "Part one, as I remember it." and mine.source == "user"
    assert mine.replaces == one.installment_id and mine.number == 1
    withdrawn, edited = ctx.store.story_feedback(USER)
    assert (withdrawn.kind, withdrawn.installment_id) == ("withdrawn", two.installment_id)
    assert edited.kind == "edited" and edited.original == one.text
    assert edited.edited == mine.text and edited.turn_ids == ("t1",)
    assert _say(ctx, "edit").startswith("Part 1 reads:\n\nPart one, as I remember it.")
    assert "longer than I keep" in _say(ctx, "edit", "x" * 7000)
    assert ctx.store.get_installment(USER, two.installment_id) is not None, "kept for audit"


def test_chapter_pov_tense_and_tone_are_remembered(ctx: WorkerContext) -> None:
    assert "Chapter 1" in _say(ctx, "chapter", "Lisbon days")
    assert "Chapter 1" in _say(ctx, "chapter", "Lisbon years"), "an empty chapter is renamed"
    _part(ctx, 1, "A part.")
    assert "Chapter 2" in _say(ctx, "chapter", "Porto")
    chapters = ctx.store.get_story_state(USER).chapters
    assert [(c.number, c.title, c.starts_at) for c in chapters] == [
        (1, "Lisbon years", 1), (2, "Porto", 2)]
    assert "Ana" in _say(ctx, "pov", "third Ana")
    assert _say(ctx, "pov", "fourth").startswith("Choose first")
    assert "present tense" in _say(ctx, "tense", "present")
    assert "bittersweet" not in _say(ctx, "tone", "bittersweet nostalgia")
    prefs = ctx.store.get_settings(USER)
    assert (prefs.pov, prefs.name, prefs.tense, prefs.tone) == ("third", "Ana", "present",
                                                               "nostalgia")
    assert _say(ctx, "tone", "dread").startswith("Choose one of")


def test_about_something_never_told_says_so(ctx: WorkerContext) -> None:
    assert "don't know a memory about that" in _say(ctx, "about", "Atlantis")
    assert _say(ctx, "about").startswith("Tell me who or what")
    assert _say(ctx, "retry").startswith("There's no installment to redo")


def test_an_installments_training_records_land_with_it_once(ctx: WorkerContext) -> None:
    # Stored in the delivery's own transaction: a user who acts on the delivery at once
    # finds them there, and a generate job that finishes twice does not write them twice.
    from worker.story.training import feedback

    one = _part(ctx, 1, "Part one.")
    stats = GenerationStats(model="m", prompt_tokens=1, new_tokens=1, seconds=1, tokens_per_s=1)
    redo = Installment(user=USER, request_id="req-redo", number=1, text="Part one, again.",
                       tone="auto", event_ids=("e1",), stats=stats, kind="retry")
    delivery = Delivery(user=USER, kind="installment", text=redo.text,
                        installment_id=redo.installment_id)
    records = [feedback("retried", one, replaced_by=redo.installment_id)]
    assert ctx.store.save_installment(redo, delivery, replace=one.installment_id, records=records)
    assert not ctx.store.save_installment(redo, delivery, replace=one.installment_id,
                                          records=records), "a second finish is refused"
    [retried] = ctx.store.story_feedback(USER)
    assert (retried.kind, retried.replaced_by) == ("retried", redo.installment_id)
    assert [i.text for i in ctx.store.installments(USER)] == ["Part one, again."]
