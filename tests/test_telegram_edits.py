"""An edited Telegram message updates its turn and what NLU derived from it."""

from __future__ import annotations

from tests.chat_harness import run_nlu, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
)
from worker.conversation.nlu_worker import REVISED
from worker.ops.runtime import WorkerContext

ANA = {"id": 801, "first_name": "Ana"}
USER = "telegram:801"


def test_edit_replaces_the_turns_contributions_to_the_profile(
    tctx: WorkerContext, tg: FakeTelegram, analyzer  # type: ignore[no-untyped-def]
) -> None:
    store = tctx.store
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        first = tg.push_text(ANA["id"], ANA, "In 1980 my sister Clara moved to Porto.")
        tg.push_text(ANA["id"], ANA, "My friend Sam and I fished at the lake every Sunday.")
        wait_until(lambda: len(store.turns(USER)) == 2)
        run_nlu(tctx, analyzer)
        before = store.get_profile(USER)
        tg.push_edited_message(ANA["id"], first["message_id"],
                               "In 1980 my sister Clara moved to Lisbon.")
        wait_until(lambda: store.turns(USER)[0].revision == 1, what="the revised turn")
        tg.push_edited_message(ANA["id"], first["message_id"],
                               "In 1980 my sister Clara moved to Lisbon.")  # unchanged text
        run_nlu(tctx, analyzer)
        tg.wait_for_sync(lambda: any(m.text == REVISED for m in tg.sent(ANA["id"])))
    after = store.get_profile(USER)
    assert "Porto" in {p.name for p in before.places}
    assert {p.name for p in after.places} == {"Lisbon"}
    [turn, other] = store.turns(USER)
    assert (turn.text, turn.revision, turn.seq) == ("In 1980 my sister Clara moved to Lisbon.",
                                                    1, 1)
    assert turn.turn_id == f"tg-801-{first['message_id']}" and turn.edited_at is not None
    assert after.turns_applied == 2, "an edit is the same turn, not a new one"
    clara = [p for p in after.people if p.name == "Clara"]
    assert len(clara) == 1 and clara[0].mentions == 1
    assert {e.turn_id for e in after.events} == {e.turn_id for e in before.events}
    old_texts = {e.text for e in before.events if e.turn_id == turn.turn_id}
    new_texts = {e.text for e in after.events if e.turn_id == turn.turn_id}
    assert any("Porto" in t for t in old_texts) and not any("Porto" in t for t in new_texts)
    assert {p.name for p in after.people} >= {"Clara", "Sam"}, "the other turn is untouched"
    assert [m.text for m in tg.sent(ANA["id"])].count(REVISED) == 1
