"""Every part editable: /edit N, /versions N [K] (and their buttons on Telegram); the chosen
version is what the book and the fine-tune data see."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.book_support import STATS, make_story
from tests.chat_harness import command_context, wait_until
from tests.discord_fixtures import DiscordRun, discord_context, fake_discord  # noqa: F401
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import fake_telegram, telegram, telegram_context  # noqa: F401
from worker.book.commands import BookRequest, make_files
from worker.conversation.commands import dispatch
from worker.ops.runtime import WorkerContext
from worker.store.records import Installment, PreferencePair, new_id
from worker.story.training import feedback
from worker.training.data import build_dataset

ANA = {"id": 601, "first_name": "Ana"}


def _retry(ctx: WorkerContext, last: Installment, text: str) -> Installment:
    """What the engine stores for /retry: a new version replacing the last, and its pair."""
    new = Installment(user=last.user, request_id=new_id(), number=last.number, text=text,
                      tone="calm", stats=STATS, chapter=last.chapter, kind="retry",
                      replaces=last.installment_id, turn_ids=last.turn_ids)
    pair = PreferencePair(user=last.user, source="retry", prompt=(), chosen=text,
                          rejected=last.text, chosen_id=new.installment_id,
                          rejected_id=last.installment_id, request_id=new.request_id,
                          turn_ids=last.turn_ids, model="m")
    assert ctx.store.save_installment(new, None, replace=last.installment_id,
                                      records=[pair, feedback("retried", last)])
    return new


def _book_text(ctx: WorkerContext, user: str) -> str:
    [pdf] = make_files(ctx.store, user, BookRequest("pdf"))
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)


def test_edit_any_part_and_go_back_to_an_earlier_version(ctx: WorkerContext) -> None:
    story = make_story(ctx.store, ctx.settings, "local:gran", photos=0)
    cctx, user = command_context(ctx), story.user
    answer = dispatch(cctx, user, "edit", "2 My brother Tomás drove us to the sea, singing.")
    assert answer.text.startswith("Part 2 now reads in your own words")
    assert ctx.store.installments(user)[1].text.startswith("My brother Tomás drove")
    assert ctx.store.installments(user)[2].installment_id == story.parts[2].installment_id
    listed = dispatch(cctx, user, "versions", "2").text
    assert "Part 2 has 2 versions" in listed and "your words" in listed
    assert "shown now" in listed.splitlines()[2]
    back = dispatch(cctx, user, "versions", "2 1").text
    assert back.startswith("Part 2 now reads") and "You remember 1968" in back
    assert ctx.store.installments(user)[1].installment_id == story.parts[1].installment_id
    assert "You remember 1968" in _book_text(ctx, user)
    assert "drove us to the sea" not in _book_text(ctx, user), "the book shows the choice"
    data = build_dataset(ctx.store, user, heldout=0.15)
    mine = [e for e in data.train + data.heldout if e.kind == "edit"]
    assert mine == [], "an edit the user set aside is not trained on"
    dispatch(cctx, user, "versions", "2 2")
    data = build_dataset(ctx.store, user, heldout=0.15)
    assert [e.text for e in data.train + data.heldout if e.kind == "edit"] == [
        "My brother Tomás drove us to the sea, singing."]


def test_after_retry_the_first_version_can_be_chosen_back(ctx: WorkerContext) -> None:
    story = make_story(ctx.store, ctx.settings, "local:gran", photos=0)
    cctx, user = command_context(ctx), story.user
    redone = _retry(ctx, story.parts[2], "Rosa's letters came every Sunday from Faro.")
    data = build_dataset(ctx.store, user, heldout=0.15)
    assert [p.text for p in data.pairs] == [redone.text]
    assert dispatch(cctx, user, "versions", "3 1").text.startswith("Part 3 now reads")
    assert ctx.store.last_installment(user).installment_id == story.parts[2].installment_id  # type: ignore[union-attr]
    data = build_dataset(ctx.store, user, heldout=0.15)
    assert [(p.text, p.rejected) for p in data.pairs] == [(story.parts[2].text, redone.text)], \
        "the pair the choice contradicts is dropped; the choice is the pair kept"
    kept = [e for e in data.train + data.heldout if e.kind == "installment"]
    assert [e.source_id for e in kept] == [story.parts[2].installment_id]
    again = dispatch(cctx, user, "versions", "3").text
    assert "Part 3 has 2 versions" in again and "another version" not in again.splitlines()[1]


def test_edit_and_versions_answer_bad_input_clearly(ctx: WorkerContext) -> None:
    cctx, user = command_context(ctx), "local:gran"
    assert "no installment to edit yet" in dispatch(cctx, user, "edit", "hello").text
    make_story(ctx.store, ctx.settings, user, photos=0)
    before = [i.installment_id for i in ctx.store.installments(user)]
    nine = dispatch(cctx, user, "edit", "9 These words go nowhere.").text
    assert nine.startswith("There's no part 9. Your story has 3 parts (1 to 3).")
    assert "Nothing was edited" in nine and "/edit last" in nine
    assert "Part 2 reads:" in dispatch(cctx, user, "edit", "2").text
    assert "no part 7" in dispatch(cctx, user, "versions", "7").text
    assert "only one version" in dispatch(cctx, user, "versions", "1").text
    assert "there's no version 5" in dispatch(cctx, user, "versions", "1 5").text.lower()
    assert "Send /versions N" in dispatch(cctx, user, "versions", "two").text
    assert [i.installment_id for i in ctx.store.installments(user)] == before, "nothing lost"
    year = dispatch(cctx, user, "edit", "last 1975 was the year of letters.").text
    assert year.startswith("Part 3 now reads")
    assert ctx.store.installments(user)[2].text == "1975 was the year of letters."


def test_telegram_buttons_choose_a_version(tctx: WorkerContext, tg: FakeTelegram) -> None:
    user = "telegram:601"
    tctx.store.give_consent(user, "telegram")
    story = make_story(tctx.store, tctx.settings, user, photos=0)
    redone = _retry(tctx, story.parts[2], "Rosa's letters came every Sunday from Faro.")
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "versions", "3")
        [menu] = tg.wait_for_sync(lambda: [m for m in tg.sent(ANA["id"]) if any(
            d.startswith("ver:") for d in m.callback_data)])
        assert menu.callback_data == [f"ver:{story.parts[2].installment_id}",
                                      f"ver:{redone.installment_id}"]
        assert menu.buttons[1]["text"].startswith("✓ 2. another version")
        tg.push_callback(menu.message_id, f"ver:{story.parts[2].installment_id}", user=ANA)
        shown = tg.wait_for_sync(lambda: [m for m in tg.sent(ANA["id"])
                                          if (m.text or "").startswith("Part 3 now reads")])
        assert "You remember 1975" in shown[0].text
        tg.push_command(ANA["id"], ANA, "book")
        [book] = tg.wait_for_sync(lambda: [m for m in tg.sent(ANA["id"]) if m.file_name],
                                  timeout=30)
        assert book.file_name == "my-story-a5.pdf" and book.file_bytes.startswith(b"%PDF")
    wait_until(lambda: tctx.store.last_installment(user).installment_id  # type: ignore[union-attr]
               == story.parts[2].installment_id, what="the chosen version shown")


def test_discord_buttons_choose_a_version(dctx: WorkerContext, dc: FakeDiscord) -> None:
    user = f"discord:{dc.add_user('alice')['id']}"
    dctx.store.give_consent(user, "discord")
    story = make_story(dctx.store, dctx.settings, user, photos=0)
    _retry(dctx, story.parts[2], "Rosa's letters came every Sunday from Faro.")
    dm = dc.dm_channel("alice")["id"]
    first = f"ver:{story.parts[2].installment_id}"
    with DiscordRun(dctx, dc):
        dc.push_message(dm, "alice", "/versions 3")
        [menu] = dc.wait_for_sync(lambda: [p for p in dc.sent(dm) if first in p.custom_ids])
        dc.push_component(menu.id, first, user="alice")
        dc.wait_for_sync(lambda: any(p.content.startswith("Part 3 now reads")
                                     for p in dc.sent()), timeout=10)
    shown = dctx.store.last_installment(user)
    assert shown is not None and shown.installment_id == story.parts[2].installment_id
