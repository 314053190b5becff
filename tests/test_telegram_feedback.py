"""Buttons under an installment, 429s, pacing and long installments on Telegram."""

from __future__ import annotations

from tests.chat_harness import wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_objects import BotMessage
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
)
from worker.ops.queues import GENERATE, queue
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery, GenerationStats, Installment, StoryRequest

ANA = {"id": 601, "first_name": "Ana"}
USER = "telegram:601"
STATS = GenerationStats(model="test", prompt_tokens=1, new_tokens=1, seconds=1.0,
                        tokens_per_s=1.0)


def deliver_installment(tctx: WorkerContext, text: str) -> Installment:
    """An installment stored and queued for delivery, as the generate job does."""
    request = StoryRequest(user=USER)
    installment = Installment(user=USER, request_id=request.request_id, number=1, text=text,
                              tone="auto", stats=STATS)
    delivery = Delivery(user=USER, kind="installment", text=text,
                        in_reply_to=request.request_id,
                        installment_id=installment.installment_id, tone="auto")
    assert tctx.store.save_installment(installment, delivery)
    return installment


def installment_message(tg: FakeTelegram) -> BotMessage:
    return tg.wait_for_sync(lambda: [m for m in tg.sent(ANA["id"]) if m.parse_mode == "HTML"])[0]


def test_every_button_press_is_recorded_as_feedback(tctx: WorkerContext,
                                                     tg: FakeTelegram) -> None:
    store = tctx.store
    store.give_consent(USER, "telegram")
    tg.push_text(ANA["id"], ANA, "hello")  # the chat must exist before the bot can write to it
    with telegram(tctx, tg):
        tg.wait_for_sync(lambda: tg.pending_updates() == 0)
        iid = deliver_installment(tctx, "You baked bread with Rosa.").installment_id
        message = installment_message(tg)
        tg.push_callback(message.message_id, f"fb:keep:{iid}")
        tg.push_callback(message.message_id, f"fb:drop:{iid}")
        tg.push_callback(message.message_id, f"fb:tones:{iid}")
        tg.wait_for_sync(lambda: f"fb:tone:joy:{iid}" in tg.sent(ANA["id"])[-1].callback_data
                         or any(f"fb:tone:joy:{iid}" in m.callback_data for m in tg.sent()))
        tg.push_callback(message.message_id, f"fb:tone:joy:{iid}")
        tg.wait_for_sync(lambda: f"fb:again:{iid}" in installment_message(tg).callback_data)
        tg.push_callback(message.message_id, f"fb:again:{iid}")
        wait_until(lambda: len(store.feedback(USER)) == 5)
        tg.wait_for_sync(lambda: len(tg.callback_answers()) == 5)
    kinds = [f.kind for f in store.feedback(USER)]
    assert kinds == ["keep", "not_for_me", "tone_menu", "tone:joy", "another_version"]
    assert all(f.installment_id == iid for f in store.feedback(USER))
    assert store.get_settings(USER).tone == "joy"
    answers = [a["answer"].get("text") for a in tg.callback_answers()]
    assert answers[0] == "Kept. Thank you!" and "joy" in answers[3]
    jobs = queue(GENERATE, store.redis).get_jobs()
    assert len(jobs) == 1, "another version was asked of the generate queue"
    user, request_id = jobs[0].args  # ids only: the request itself is sealed in the store
    request = store.get_story_request(user, request_id)
    assert request is not None and request.user == USER and request.tone == "joy"


def test_a_429_is_honoured_and_the_message_still_arrives(tctx: WorkerContext,
                                                         tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", count=1, retry_after=1)
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "help")
        tg.wait_for_sync(lambda: tg.sent(ANA["id"]), timeout=10)
    calls = tg.calls("sendMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0, "waited as long as Telegram asked"
    assert "/story" in (tg.sent(ANA["id"])[0].text or "")


def test_long_installment_is_split_at_paragraphs_and_paced(tctx: WorkerContext,
                                                           tg: FakeTelegram) -> None:
    tctx.store.give_consent(USER, "telegram")
    tg.push_text(ANA["id"], ANA, "hello")
    paragraphs = [f"Part {n} <{n}> & more. " + "word " * 560 for n in range(3)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    tg.set_flood_limits(per_chat=1, per_chat_seconds=1.0, global_per_second=30)
    with telegram(tctx, tg):
        tg.wait_for_sync(lambda: tg.pending_updates() == 0)
        iid = deliver_installment(tctx, text).installment_id
        sent = tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) >= 3 and tg.sent(ANA["id"]),
                                timeout=15)
    calls = tg.calls("sendMessage")
    assert all(c.status == 200 for c in calls), "paced, never refused"
    gaps = [b.at - a.at for a, b in zip(calls, calls[1:], strict=False)]
    assert all(g >= 0.95 for g in gaps), gaps
    assert sent[0].text and sent[0].text.startswith("<b>Your story</b>\n\nPart 0 &lt;0&gt; &amp;")
    shown = [tg.world.messages[(ANA["id"], m.message_id)]["text"] for m in sent]
    assert all(len(s.encode("utf-16-le")) // 2 <= 4096 for s in shown)
    assert shown[0].startswith("Your story\n\n")
    body = "\n\n".join([shown[0].removeprefix("Your story\n\n"), *shown[1:]])
    assert body == text, "nothing lost or mangled, split only at paragraph breaks"
    assert sent[-1].callback_data[0] == f"fb:keep:{iid}" and sent[0].callback_data == []
