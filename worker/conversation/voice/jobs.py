"""The transcribe job: a voice note's audio in, its transcript shown to the user (RQ,
non-forking worker, the Whisper model held in the process)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from worker.conversation.voice.audio import AudioProblem, decode
from worker.conversation.voice.transcribe import Transcriber
from worker.ops import runtime
from worker.store.records import Delivery, utcnow

logger = logging.getLogger(__name__)

PROBLEMS = {
    "not_audio": "That file isn't audio I can play. Send a voice note, or an audio file "
                 "(ogg, mp3, wav or m4a).",
    "corrupt": "That audio file seems to be damaged: I couldn't play it. Could you record or "
               "send it again?",
    "empty": "That voice note is empty: there was nothing in it to hear.",
}
NO_WORDS = ("I listened, but couldn't make out any words: it sounded like silence, noise or "
            "music. Nothing was kept. Could you try again, a little closer to the microphone?")
GONE = ("I couldn't get to that voice note in time, so nothing was kept. Could you send it "
        "again?")
FAILED = ("I'm sorry: I couldn't listen to that voice note just now. Nothing was kept; "
          "please send it again.")

_lock = threading.Lock()
_transcriber: Transcriber | None = None


def too_long(seconds: float, limit: int) -> str:
    """The answer to a voice note over the length limit."""
    return (f"That voice note is {seconds / 60:.0f} minutes long; I can listen to up to "
            f"{limit // 60} minutes at a time. Could you send it in shorter parts? "
            "Nothing was kept.")


def transcriber() -> Transcriber:
    """This process's Whisper model (loaded at the first voice note, then kept)."""
    global _transcriber
    with _lock:
        if _transcriber is None:
            from worker.conversation.voice.model import whisper_path

            settings = runtime.current().settings
            device = "cpu" if settings.storyloom_device == "auto" else settings.storyloom_device
            _transcriber = Transcriber(whisper_path(settings), settings.storyloom_whisper_threads,
                                       device)
        return _transcriber


def _notice(user: str, voice_id: str, text: str) -> None:
    store = runtime.current().store
    store.forget_voice(user, voice_id)
    store.push_delivery(Delivery(user=user, kind="notice", text=text, in_reply_to=voice_id))


def transcribe_voice(user: str, voice_id: str) -> str | None:
    """Hear one voice note and show its transcript; None when there was nothing to show."""
    ctx = runtime.current()
    store, settings = ctx.store, ctx.settings
    note = store.get_voice(user, voice_id)
    if note is None or note.text is not None:
        return None  # forgotten, dropped, or already heard (a retried job)
    data = store.voice_audio(user, voice_id)
    if data is None:
        _notice(user, voice_id, GONE)
        return None
    limit = settings.storyloom_voice_max_seconds
    try:
        audio = decode(data, limit)
    except AudioProblem as problem:
        logger.info("voice note %s of user %s: %s", voice_id, user, problem.kind)
        text = too_long(problem.seconds or limit, limit) if problem.kind == "too_long" \
            else PROBLEMS[problem.kind]
        _notice(user, voice_id, text)
        return None
    heard = transcriber().hear(audio.samples)
    logger.info("voice note %s of user %s: %.1fs, %.1fs of speech", voice_id, user,
                heard.seconds, heard.speech_seconds)
    if not heard.text:
        _notice(user, voice_id, NO_WORDS)
        return None
    done = note.model_copy(update={"text": heard.text, "heard_at": utcnow(),
                                   "duration_s": heard.seconds})
    store.heard(done, store.keeps_recordings(user), Delivery(
        user=user, kind="transcript", text=heard.text, in_reply_to=voice_id, voice_id=voice_id))
    return voice_id


def transcription_failed(job: Any, connection: Any, exc_type: Any, exc: Any, tb: Any) -> None:
    """Tell the user when their voice note could not be heard (after the last retry)."""
    if job.retries_left:
        return
    user, voice_id = job.args[0], job.args[1]
    logger.error("transcription job %s failed for user %s: %s", job.id, user, exc_type.__name__)
    note = runtime.current().store.get_voice(user, voice_id)
    if note is not None and note.text is None:
        _notice(user, voice_id, FAILED)
