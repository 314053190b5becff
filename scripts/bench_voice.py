"""Voice notes: word error rate and speed of the default Whisper model on synthesized speech.

Each memoir sentence (examples/eval/*.txt, then examples/learning/user_memoir.txt) is read
aloud by hibari-tts, encoded as Ogg/Opus as a Telegram voice note is, decoded through
PyAV and heard by the transcriber the transcribe worker uses, on one CPU thread. Prints the
word error rate (numbers read as words, punctuation and case ignored) and speed as a
multiple of real time (audio seconds / CPU seconds of transcription), for one note per
sentence and for longer notes of eight sentences.

Run: OMP_NUM_THREADS=1 PYTHONPATH=. python scripts/bench_voice.py [--sentences 60]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np

from bench.speech import TTS_RATE, speak, word_errors
from worker.conversation.voice.audio import decode, encode
from worker.conversation.voice.model import whisper_path
from worker.conversation.voice.transcribe import Transcriber
from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def sentences(count: int) -> list[str]:
    """Memoir sentences, the evaluation scripts' first."""
    out = [line.strip() for path in sorted((ROOT / "examples/eval").glob("*.txt"))
           for line in path.read_text().splitlines() if line.strip() and line[0] != "/"]
    memoir = (ROOT / "examples/learning/user_memoir.txt").read_text()
    out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", memoir) if len(s.split()) >= 5]
    return out[:count]


def measure(transcriber: Transcriber, notes: list[tuple[str, np.ndarray]]) -> dict[str, float]:
    """WER and x-real-time over notes of (text said, samples at 24 kHz)."""
    errors = words = 0
    audio_s = cpu_s = wall_s = 0.0
    for said, samples in notes:
        decoded = decode(encode(samples, TTS_RATE, "ogg"), 3600)
        cpu, wall = time.process_time(), time.perf_counter()
        heard = transcriber.hear(decoded.samples)
        cpu_s += time.process_time() - cpu
        wall_s += time.perf_counter() - wall
        audio_s += decoded.seconds
        e, n = word_errors(said, heard.text)
        errors, words = errors + e, words + n
    return {"notes": len(notes), "audio_s": audio_s, "wer": errors / words,
            "x_realtime_cpu": audio_s / cpu_s, "x_realtime_wall": audio_s / wall_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=60)
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    path = whisper_path(settings)
    started = time.perf_counter()
    transcriber = Transcriber(path, threads=1)
    print(f"model: {path} (loaded in {time.perf_counter() - started:.1f}s, 1 thread)")
    said = sentences(args.sentences)
    spoken = [(s, speak(s)) for s in said]
    transcriber.hear(spoken[0][1][::3])  # warm up
    single = measure(transcriber, spoken)
    gap = np.zeros(TTS_RATE // 2, dtype=np.float32)
    longer = [(" ".join(s for s, _ in spoken[i:i + 8]),
               np.concatenate([x for _, a in spoken[i:i + 8] for x in (a, gap)]))
              for i in range(0, len(spoken), 8)]
    grouped = measure(transcriber, longer)
    for name, row in (("one sentence per note", single), ("eight sentences per note", grouped)):
        print(f"{name}: {row['notes']} notes, {row['audio_s']:.0f}s of speech, "
              f"WER {row['wer']:.1%}, {row['x_realtime_cpu']:.1f}x real time (CPU), "
              f"{row['x_realtime_wall']:.1f}x (wall)")


if __name__ == "__main__":
    main()
