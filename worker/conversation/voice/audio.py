"""Audio in: any container and codec FFmpeg reads (ogg/opus, wav, mp3, m4a...), through
PyAV, to 16 kHz mono float32 samples, with a clear reason when it cannot be done.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

RATE = 16_000
Problem = Literal["not_audio", "corrupt", "too_long", "empty"]


class AudioProblem(Exception):
    """Why a file cannot be listened to (the kind decides what the user is told)."""

    def __init__(self, kind: Problem, seconds: float | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.seconds = seconds


# How audio files begin: a file that does but will not open is a broken one.
MAGIC = (b"OggS", b"RIFF", b"ID3", b"fLaC", b"\x1aE\xdf\xa3", b"\xff\xfb", b"\xff\xf3",
         b"\xff\xf2", b"#!AMR", b"caff")


def looks_like_audio(data: bytes) -> bool:
    """True when the bytes start like an audio container (ogg, wav, mp3, flac, webm, m4a)."""
    return data.startswith(MAGIC) or data[4:8] == b"ftyp"


@dataclass(frozen=True)
class Audio:
    """Samples at 16 kHz, mono, in [-1, 1]."""

    samples: np.ndarray

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE


def _declared_seconds(container: object, stream: object) -> float | None:
    duration = getattr(container, "duration", None)  # microseconds (av.time_base)
    if duration:
        return float(duration) / 1_000_000
    frames, base = getattr(stream, "duration", None), getattr(stream, "time_base", None)
    return float(frames * base) if frames and base else None


def decode(data: bytes, max_seconds: float) -> Audio:
    """The audio of a file; AudioProblem when it is not audio, broken, empty or too long."""
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise AudioProblem("corrupt" if looks_like_audio(data) else "not_audio") from exc
    with container:
        if not container.streams.audio:
            raise AudioProblem("corrupt" if looks_like_audio(data) else "not_audio")
        stream = container.streams.audio[0]
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > max_seconds:
            raise AudioProblem("too_long", declared)
        samples = _read(container, stream, max_seconds)
    if samples.size == 0:
        raise AudioProblem("empty")
    return Audio(samples)


def _read(container: object, stream: object, max_seconds: float) -> np.ndarray:
    import av

    resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
    parts: list[np.ndarray] = []
    total, limit = 0, int(max_seconds * RATE)
    try:
        for frame in container.decode(stream):  # type: ignore[attr-defined]
            for out in resampler.resample(frame):
                parts.append(out.to_ndarray().reshape(-1))
                total += parts[-1].size
            if total > limit:
                raise AudioProblem("too_long", total / RATE)
        for out in resampler.resample(None):
            parts.append(out.to_ndarray().reshape(-1))
    except av.FFmpegError as exc:
        if total < RATE // 2:  # nothing usable before the damage
            raise AudioProblem("corrupt") from exc
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.clip(np.concatenate(parts).astype(np.float32), -1.0, 1.0)


def encode(samples: np.ndarray, rate: int, fmt: str = "ogg") -> bytes:
    """Samples as a file: ogg (Opus, as Telegram voice notes), wav or mp3 (for demos, tests)."""
    import av

    codec = {"ogg": "libopus", "wav": "pcm_s16le", "mp3": "libmp3lame"}[fmt]
    out_rate = 48_000 if fmt == "ogg" else rate
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as container:
        stream: Any = container.add_stream(codec, rate=out_rate)  # an AudioStream
        stream.layout = "mono"
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(chunk):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
