"""/export hands the user their data as a file; /forget deletes all of it after a confirmation."""

from __future__ import annotations

import json

from bot.private import ASK_FIRST, FORGET_ASK, FORGOTTEN, NOT_FORGOTTEN
from tests.chat_harness import run_nlu, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.ops.runtime import WorkerContext

ANA = {"id": 701, "first_name": "Ana"}
USER = "telegram:701"
MEMORY = "My aunt Lucia taught me to sew in Coimbra."


def test_export_then_forget_everything(
    tctx: WorkerContext, tg: FakeTelegram, analyzer  # type: ignore[no-untyped-def]
) -> None:
    store = tctx.store
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        tg.push_text(ANA["id"], ANA, MEMORY)
        wait_until(lambda: store.turns(USER))
        run_nlu(tctx, analyzer)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2)
        tg.push_command(ANA["id"], ANA, "export")
        document = tg.wait_for_sync(
            lambda: [m for m in tg.sent(ANA["id"]) if m.method == "sendDocument"])[0]
        tg.push_command(ANA["id"], ANA, "forget")
        ask = tg.wait_for_sync(lambda: [m for m in tg.sent(ANA["id"]) if m.text == FORGET_ASK])[0]
        tg.push_callback(ask.message_id, "forget:no")
        tg.wait_for_sync(lambda: tg.sent(ANA["id"])[-1].text == NOT_FORGOTTEN)
        assert store.get_consent(USER) is not None, "cancel deletes nothing"
        tg.push_command(ANA["id"], ANA, "forget")
        # the export is three files (JSON, Markdown, EPUB) after its message
        ask = tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 8 and tg.sent(ANA["id"])[-1])
        tg.push_callback(ask.message_id, "forget:yes")
        tg.wait_for_sync(lambda: tg.sent(ANA["id"])[-1].text == FORGOTTEN)
        tg.push_text(ANA["id"], ANA, "Are you still there?")
        tg.wait_for_sync(lambda: texts(tg, ANA["id"])[-1] == ASK_FIRST)
    exported = json.loads(document.file_bytes or b"")
    assert document.file_name == "storyloom-telegram-701.json"
    assert [t["text"] for t in exported["turns"]] == [MEMORY]
    assert "Lucia" in {p["name"] for p in exported["profile"]["people"]}
    assert exported["consent"]["platform"] == "telegram"
    keys = store.keys
    assert list(store.redis.scan_iter(match=keys.user_pattern(USER))) == []
    assert list(store.redis.scan_iter(match=keys.delivery_cursor_pattern(USER))) == []
    assert USER not in store.users()
    entries = store.turn_stream_entries()
    assert all(fields[b"user"] != USER.encode() for _, fields in entries)
    assert all(MEMORY.encode() not in b"".join(f.values()) for _, f in entries)
    assert store.get_profile(USER).people == ()
