"""Generated Telegram updates through the real adapter: every one handled, the adapter lives on."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.chat_harness import wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.ops.runtime import WorkerContext

ANA = {"id": 911, "first_name": "Ana"}
USER = "telegram:911"
TEXT = st.one_of(
    st.text(min_size=1, max_size=300),
    st.sampled_from(["\x00\x01", "/", "/story@other_bot", "/tone " + "ü" * 500, "🤖" * 1000,
                     "\u202e\u2066", "x" * 4096, "<b>bold</b> *md* _it_", "@storyloom_test_bot"]),
)
UPDATE = st.one_of(
    st.tuples(st.just("text"), TEXT),
    st.tuples(st.just("command"), st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789",
                                          min_size=1, max_size=40), TEXT),
    st.tuples(st.just("edit"), TEXT),
    st.tuples(st.just("document"), st.binary(max_size=200)),
    st.tuples(st.just("sticker"), st.sampled_from(["🙂", "", "x"])),
)


def _push(tg: FakeTelegram, update: tuple[Any, ...], last: dict[str, Any] | None) -> dict | None:
    kind = update[0]
    if kind == "text":
        return tg.push_text(ANA["id"], ANA, update[1])
    if kind == "command":
        return tg.push_command(ANA["id"], ANA, update[1], update[2])
    if kind == "edit" and last is not None and "message" in last:
        tg.push_edited_message(ANA["id"], last["message"]["message_id"], update[1])
    elif kind == "document":
        tg.push_document(ANA["id"], ANA, update[1], file_name="x.bin",
                         mime_type="application/octet-stream")
    elif kind == "sticker":
        tg.push_sticker(ANA["id"], ANA, update[1])
    return last


@settings(max_examples=3, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(updates=st.lists(UPDATE, min_size=10, max_size=10))
def test_generated_updates_never_stop_the_adapter(
    tctx: WorkerContext, tg: FakeTelegram, updates: list[tuple[Any, ...]]
) -> None:
    tctx.store.give_consent(USER, "telegram")
    # the flood limit is tested elsewhere (test_trust_limits): here eleven quick updates
    # must all reach the adapter
    tctx.settings = tctx.settings.model_copy(update={"storyloom_user_message_burst": 1000})
    adapter = telegram(tctx, tg)
    with adapter:
        last: dict[str, Any] | None = None
        for update in updates:
            last = _push(tg, update, last)
        tg.wait_for_sync(lambda: tg.pending_updates() == 0, timeout=60)
        before = len(tg.sent(ANA["id"]))
        tg.push_command(ANA["id"], ANA, "help")
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) > before, timeout=60)
        wait_until(lambda: any("/story" in t for t in texts(tg, ANA["id"])[before:]),
                   timeout=60)
    assert adapter.error is None
    assert all(c.status < 500 for c in tg.calls()), "no request the Bot API would reject"
