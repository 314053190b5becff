"""An installment appears live on Telegram and Discord: one message, edited as the engine's
progress stream grows (never faster than the edit pace), then replaced by the delivered text.

The progress is published through the store exactly as the story engine publishes it
(Store.push_progress); the adapters are the real ones, against the local fakes.
"""

from __future__ import annotations

import time

import numpy as np

from bench.speech import TTS_RATE, speak, wer
from tests.chat_harness import wait_until
from tests.discord_fixtures import (  # noqa: F401 - fixtures
    DiscordRun,
    discord_context,
    fake_discord,
    posts,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.conversation.voice.audio import encode
from worker.ops.runner import run_transcribe_worker
from worker.ops.runtime import WorkerContext
from worker.store.records import Delivery, StoryProgress
from worker.store.store import Store

ANA = {"id": 701, "first_name": "Ana"}
WORDS = ("You were seven when your grandmother Maria first took you to the market in Porto, "
         "and the oranges were piled so high you could not see the stallholder behind them. ")
FINAL = "You were seven when your grandmother Maria took you to the market in Porto."


def _request(store: Store, user: str) -> str:
    return wait_until(lambda: [r.decode() for r in store.redis.zrange(
        store.keys.pending_stories(user), 0, -1)], what="the story request")[0]


def _write(store: Store, user: str, request_id: str, seconds: float = 4.0) -> None:
    """Publish a draft growing word by word, as the engine does, over `seconds`."""
    words = WORDS.split()
    for n in range(1, len(words) + 1):
        store.push_progress(user, StoryProgress(request_id=request_id, draft=0,
                                                text=" ".join(words[:n])))
        time.sleep(seconds / len(words))


def _deliver(store: Store, user: str, request_id: str) -> None:
    store.end_progress(user, request_id)
    store.push_delivery(Delivery(user=user, kind="installment", text=FINAL,
                                 in_reply_to=request_id, installment_id="inst1", tone="joy"))


def test_telegram_shows_the_story_as_it_is_written(tctx: WorkerContext,
                                                   tg: FakeTelegram) -> None:
    store, user, every = tctx.store, "telegram:701", tctx.settings.storyloom_live_edit_seconds
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        tg.push_text(ANA["id"], ANA, "My grandmother Maria took me to the market in Porto.")
        wait_until(lambda: store.turns(user))
        tg.push_command(ANA["id"], ANA, "story")
        request_id = _request(store, user)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2)
        _write(store, user, request_id)
        preview = tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 3 and tg.sent(
            ANA["id"])[2])
        time.sleep(every + 0.5)
        shown = tg.sent(ANA["id"])[2].text or ""
        _deliver(store, user, request_id)
        tg.wait_for_sync(lambda: "Your story" in (tg.sent(ANA["id"])[2].text or ""), timeout=10)
        time.sleep(0.5)
    sent = tg.sent(ANA["id"])
    assert len(sent) == 3, "one message: the preview became the installment"
    assert "Writing your story" in preview.edits[0]["text"] and WORDS.strip() in shown
    assert FINAL in (sent[2].text or "") and sent[2].callback_data[0] == "fb:keep:inst1"
    edits = [c.at for c in tg.calls("editMessageText")]
    assert len(edits) >= 3, "the words appeared as they were written"
    gaps = np.diff([tg.calls("sendMessage")[-1].at, *edits[:-1]])
    assert min(gaps) >= every - 0.05, "never faster than the edit pace"


def test_discord_shows_the_story_as_it_is_written(dctx: WorkerContext, dc: FakeDiscord) -> None:
    store = dctx.store
    alice = dc.add_user("alice")
    user, dm = f"discord:{alice['id']}", dc.dm_channel("alice")["id"]
    with DiscordRun(dctx, dc):
        dc.push_message(dm, "alice", "/agree")
        dc.wait_for_sync(lambda: dc.sent(dm))
        dc.push_message(dm, "alice", "My grandmother Maria took me to the market in Porto.")
        wait_until(lambda: store.turns(user))
        dc.push_message(dm, "alice", "/story")
        request_id = _request(store, user)
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 2)
        _write(store, user, request_id)
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 3 and WORDS.strip() in posts(dc, dm)[2],
                         timeout=10)
        _deliver(store, user, request_id)
        dc.wait_for_sync(lambda: FINAL in posts(dc, dm)[2], timeout=10)
        time.sleep(0.5)
    assert len(dc.sent(dm)) == 3 and dc.sent(dm)[2].custom_ids[0] == "fb:keep:inst1"
    assert len(dc.calls("PATCH /channels/{channel_id}/messages/{message_id}")) >= 3


def test_discord_voice_message_is_heard(dctx: WorkerContext, dc: FakeDiscord) -> None:
    said = "My grandfather Ivo built wooden boats in Split."
    dc.add_user("alice")
    dm = dc.dm_channel("alice")["id"]
    with DiscordRun(dctx, dc):
        dc.push_message(dm, "alice", "/agree")
        dc.wait_for_sync(lambda: dc.sent(dm))
        dc.push_message(dm, "alice", "", attachments={
            "voice-message.ogg": encode(speak(said), TTS_RATE, "ogg")})
        dc.wait_for_sync(lambda: len(dc.sent(dm)) == 2)
        assert posts(dc, dm)[1].startswith("Listening")
        run_transcribe_worker(dctx, burst=True)
        shown = dc.wait_for_sync(lambda: len(dc.sent(dm)) == 3 and dc.sent(dm)[2], timeout=10)
    assert wer(said, shown.content.split("“", 1)[1].split("”", 1)[0]) <= 0.15
    assert [c.split(":")[1] for c in shown.custom_ids] == ["keep", "fix", "drop"]
