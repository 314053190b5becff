"""Voice notes: real speech made here by a TTS package, heard by the real Whisper model on
the transcribe queue, shown with buttons, kept as a turn; and every bad input answered."""

from __future__ import annotations

import io
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from bench.speech import TTS_RATE, speak, wer
from bot.terminal import Output, TerminalSession
from tests.chat_harness import command_context, wait_until
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_fixtures import (  # noqa: F401 - fixtures
    fake_telegram,
    telegram,
    telegram_context,
    texts,
)
from worker.conversation.voice.audio import encode
from worker.conversation.voice.jobs import NO_WORDS, PROBLEMS
from worker.ops.runner import run_transcribe_worker
from worker.ops.runtime import WorkerContext

ANA = {"id": 601, "first_name": "Ana"}
SAID = "My grandmother Maria baked bread in Porto every Sunday morning."
SAID_TOO = "In nineteen seventy two we moved to Lisbon, just before my brother was born."


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return speak(SAID)


def _music(seconds: float = 6.0) -> np.ndarray:
    """Chords with a beat and harmonics: music with no words."""
    t = np.arange(int(TTS_RATE * seconds)) / TTS_RATE
    out = np.zeros_like(t)
    for i, f in enumerate([261.6, 329.6, 392.0, 523.3, 440.0, 349.2] * 3):
        env = np.exp(-3 * (t - i * 0.5)) * ((t >= i * 0.5) & (t < i * 0.5 + 0.5))
        out += sum(env * np.sin(2 * np.pi * f * k * t) / k for k in range(1, 5))
    return (out / np.abs(out).max() * 0.5).astype(np.float32)


def _twenty_minutes() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * 8000 * 1200)
    return buffer.getvalue()


def _transcribe(ctx: WorkerContext) -> None:
    run_transcribe_worker(ctx, burst=True)


def test_telegram_voice_note_is_heard_shown_and_kept(tctx: WorkerContext, tg: FakeTelegram,
                                                     speech: np.ndarray) -> None:
    store, user = tctx.store, "telegram:601"
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        tg.wait_for_sync(lambda: tg.sent(ANA["id"]))
        tg.push_voice(ANA["id"], ANA, data=encode(speech, TTS_RATE, "ogg"), duration=4)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2)
        assert texts(tg, ANA["id"])[1].startswith("Listening")
        _transcribe(tctx)
        shown = tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 3 and tg.sent(ANA["id"])[2])
        heard = shown.text.split("“", 1)[1].split("”", 1)[0]
        assert wer(SAID, heard) <= 0.15, heard
        assert [d.split(":")[1] for d in shown.callback_data] == ["keep", "fix", "drop"]
        tg.push_callback(shown.message_id, shown.callback_data[0])
        turns = wait_until(lambda: store.turns(user), what="the kept transcript as a turn")
        tg.wait_for_sync(lambda: (tg.sent(ANA["id"])[2].text or "").startswith("Kept"))
    assert [t.text for t in turns] == [heard]
    assert turns[0].attachments[0].kind == "voice"
    assert not list(store.redis.scan_iter(match=f"{store.keys.prefix}:user:{user}:voice*")), \
        "the audio is not kept, and nothing waits"


def test_bad_voice_notes_get_a_clear_answer_and_nothing_is_lost(
        tctx: WorkerContext, tg: FakeTelegram, speech: np.ndarray) -> None:
    store, user = tctx.store, "telegram:601"
    silence = np.zeros(TTS_RATE * 4, dtype=np.float32)
    ogg = encode(speech, TTS_RATE, "ogg")
    bad = [(encode(silence, TTS_RATE, "ogg"), NO_WORDS), (encode(_music(), TTS_RATE, "mp3"),
                                                          NO_WORDS),
           (ogg[: len(ogg) // 40], PROBLEMS["corrupt"]),
           (b"Dear diary, this is a text file and not a recording." * 20, PROBLEMS["not_audio"]),
           (_twenty_minutes(), "20 minutes long")]  # its metadata says 3 seconds
    with telegram(tctx, tg):
        tg.push_command(ANA["id"], ANA, "agree")
        tg.push_text(ANA["id"], ANA, "My sister Ana lived in Braga.")
        wait_until(lambda: store.turns(user))
        tg.push_voice(ANA["id"], ANA, data=ogg, duration=1200)  # refused before it is fetched
        for data, _ in bad:
            tg.push_voice(ANA["id"], ANA, data=data, duration=3)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2 + len(bad), timeout=30)
        assert "20 minutes long" in texts(tg, ANA["id"])[1]
        assert not tg.calls("getFile")[len(bad):], "the long one was never downloaded"
        _transcribe(tctx)
        tg.wait_for_sync(lambda: len(tg.sent(ANA["id"])) == 2 + 2 * len(bad), timeout=30)
        answers = texts(tg, ANA["id"])[2 + len(bad):]
        tg.push_text(ANA["id"], ANA, "Ana had a blue bicycle.")
        wait_until(lambda: len(store.turns(user)) == 2, what="the chat goes on")
    for (_, expected), answer in zip(bad, answers, strict=True):
        assert expected in answer
    assert not list(store.redis.scan_iter(match=f"{store.keys.prefix}:user:{user}:voice*"))


def test_demo_voice_line_replays_a_file(tctx: WorkerContext, tmp_path: Path,
                                        speech: np.ndarray) -> None:
    (tmp_path / "memory.mp3").write_bytes(encode(speak(SAID_TOO), TTS_RATE, "mp3"))
    (tmp_path / "memory.wav").write_bytes(encode(speech, TTS_RATE, "wav"))
    shown: list[Output] = []
    session = TerminalSession(ctx=command_context(tctx), user="local:ana", emit=shown.append,
                              base_dir=tmp_path, story_wait_s=60)
    for name, said in (("memory.mp3", SAID_TOO), ("memory.wav", SAID)):
        thread = threading.Thread(target=session.say, args=(f"/voice {name}",))
        thread.start()
        wait_until(lambda: tctx.store.redis.llen("rq:queue:transcribe"), what="queued")
        _transcribe(tctx)
        thread.join(60)
        assert wer(said, shown[-1].text) <= 0.15 and shown[-1].kind == "transcript"
    session.say("/voice fix My grandmother Maria baked bread in Porto every Sunday.")
    session.say("/voice keep")  # the first one is still waiting
    session.say("/voice nothing.ogg")
    turns = tctx.store.turns("local:ana")
    assert [t.text for t in turns][0] == "My grandmother Maria baked bread in Porto every Sunday."
    assert wer(SAID_TOO, turns[1].text) <= 0.15
    assert shown[-1].text == "There is no audio file called nothing.ogg."
