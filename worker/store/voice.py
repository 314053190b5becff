"""Voice notes: the audio while it waits to be heard, and the transcripts the user decides on.

Audio is sealed under the user's data key like every record, kept only until its
transcription (a day at most), unless the user chose to keep their recordings. A
transcript waits until the user keeps it (then it becomes a turn), corrects it or drops it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from worker.store import crypto
from worker.store.deliveries import DeliveryStore
from worker.store.records import Delivery, Record, new_id, utcnow

# Audio waiting for the transcribe queue expires even if no worker ever takes it.
AUDIO_TTL_S = 24 * 3600
# A correction must follow within this time of pressing "Correct it".
FIXING_TTL_S = 24 * 3600


class VoiceNote(Record):
    """A voice note as heard: who sent it where, and its transcript once there is one."""

    voice_id: str = Field(default_factory=new_id)
    user: str
    platform: str
    chat_id: str
    turn_id: str = Field(description="the turn it becomes when kept (the message's own id)")
    source: str = Field(default="", description="the platform's reference of the file")
    duration_s: float | None = None
    text: str | None = None
    received_at: datetime = Field(default_factory=utcnow)
    heard_at: datetime | None = None


class VoiceStore(DeliveryStore):
    """Reads and writes voice notes, their audio and transcripts."""

    def _seal_bytes(self, user: str, data: bytes) -> bytes:
        key = self._data_key(user)
        assert key is not None
        return crypto.seal(user, key, data)

    def _open_bytes(self, user: str, blob: bytes | None) -> bytes | None:
        kid = crypto.sealed_key_id(blob or b"")
        key = self._data_key(user, kid) if kid is not None else None
        if blob is None or key is None:
            return None
        return crypto.unseal(user, key, blob)

    def put_voice(self, note: VoiceNote, audio: bytes) -> None:
        """Keep a received voice note and its audio (sealed) until it is transcribed."""
        user = note.user
        with self.redis.pipeline() as pipe:
            pipe.hset(self.keys.voice_notes(user), note.voice_id, self._dump(user, note))
            pipe.set(self.keys.voice_audio(user, note.voice_id), self._seal_bytes(user, audio),
                     ex=AUDIO_TTL_S)
            pipe.execute()

    def voice_audio(self, user: str, voice_id: str) -> bytes | None:
        """The audio of a voice note still waiting to be heard."""
        return self._open_bytes(user, self.redis.get(self.keys.voice_audio(user, voice_id)))

    def heard(self, note: VoiceNote, keep_audio: bool, delivery: Delivery) -> None:
        """Store the transcript and show it (at once); the audio goes (or, if the user chose
        so, is kept sealed)."""
        user, audio_key = note.user, self.keys.voice_audio(note.user, note.voice_id)
        with self.redis.pipeline() as pipe:
            pipe.hset(self.keys.voice_notes(user), note.voice_id, self._dump(user, note))
            if keep_audio:
                kept = self.keys.voice_kept_audio(user, note.voice_id)
                pipe.copy(audio_key, kept, replace=True)
                pipe.persist(kept)
            pipe.delete(audio_key)
            self._queue_delivery(pipe, delivery)
            pipe.execute()

    def drop_voice_audio(self, user: str, voice_id: str) -> None:
        """Delete the audio of a voice note that could not be heard."""
        self.redis.delete(self.keys.voice_audio(user, voice_id))

    def get_voice(self, user: str, voice_id: str) -> VoiceNote | None:
        """A voice note (with its transcript once heard)."""
        key = self.keys.voice_notes(user)
        return self._load(VoiceNote, self.redis.hget(key, voice_id), key, user)

    def latest_voice(self, user: str) -> VoiceNote | None:
        """The most recent transcript still waiting for the user's decision."""
        key = self.keys.voice_notes(user)
        notes = [self._load(VoiceNote, raw, key, user)
                 for raw in self.redis.hvals(key)]
        heard = [n for n in notes if n is not None and n.text is not None]
        return max(heard, key=lambda n: n.received_at, default=None)

    def forget_voice(self, user: str, voice_id: str) -> None:
        """The user decided (kept, corrected or dropped): the transcript waits no more."""
        with self.redis.pipeline() as pipe:
            pipe.hdel(self.keys.voice_notes(user), voice_id)
            pipe.delete(self.keys.voice_audio(user, voice_id))
            pipe.execute()

    def set_voice_fixing(self, user: str, voice_id: str | None) -> None:
        """The user's next message corrects this voice note (None: no correction awaited)."""
        if voice_id is None:
            self.redis.delete(self.keys.voice_fixing(user))
        else:
            self.redis.set(self.keys.voice_fixing(user), voice_id, ex=FIXING_TTL_S)

    def voice_fixing(self, user: str) -> str | None:
        """The voice note the user's next message corrects, if any."""
        raw = self.redis.get(self.keys.voice_fixing(user))
        return raw.decode() if raw else None

    def keeps_recordings(self, user: str) -> bool:
        """True when the user chose to keep their voice recordings (off by default)."""
        return bool(self.redis.exists(self.keys.voice_keep_recordings(user)))

    def set_keep_recordings(self, user: str, keep: bool) -> None:
        """Keep (sealed) or stop keeping the recordings of the user's voice notes."""
        if keep:
            self.redis.set(self.keys.voice_keep_recordings(user), b"1")
        else:
            self.redis.delete(self.keys.voice_keep_recordings(user))
            for key in self.redis.scan_iter(match=self.keys.voice_kept_pattern(user)):
                self.redis.delete(key)
