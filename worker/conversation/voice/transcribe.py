"""Speech to text with faster-whisper: Whisper on CTranslate2, held once per worker.

Silero VAD (shipped with faster-whisper) finds the speech; the speech is gathered into
windows of at most WINDOW_S seconds, and each window is decoded at its own length. Whisper
pads every window to 30 seconds, so a 5-second voice note would cost as much as 30 seconds
of audio: here the encoder sees the window plus PAD_FRAMES of padding (the audio context
trimmed, as whisper.cpp's audio_ctx does), and the decoder is held to a length the audio
can carry, which stops the repetition loops a trimmed context invites.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from worker.conversation.voice.audio import RATE

logger = logging.getLogger(__name__)

WINDOW_S = 28.0  # under Whisper's 30 s, with room for the padding
MAX_FRAMES = 3000  # Whisper's 30 s window, the most its encoder takes
PAD_FRAMES = 300  # 3 s of padding after the speech: the end of the window looks like one
TOKENS_PER_S = 8  # fast speech: 4 words a second, ~1.4 tokens a word, and punctuation
MIN_SPEECH_S = 0.3  # less speech than this is silence (or a cough)
# A window the model thinks holds no speech, and decodes unsurely, is not kept.
NO_SPEECH_PROB = 0.6
MIN_AVG_LOGPROB = -1.0


@dataclass(frozen=True)
class Heard:
    """What was heard: the text (empty: no words), and how much speech there was."""

    text: str
    seconds: float
    speech_seconds: float


class Transcriber:
    """One Whisper model, loaded once; `hear(samples)` turns 16 kHz audio into text."""

    def __init__(self, path: Path, threads: int = 1, device: str = "cpu") -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer

        cuda = device.startswith("cuda")
        self.model = WhisperModel(str(path), device="cuda" if cuda else "cpu",
                                  compute_type="default" if cuda else "int8",
                                  cpu_threads=threads, num_workers=1, local_files_only=True)
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                   task="transcribe", language="en")

    def speech(self, samples: np.ndarray) -> list[np.ndarray]:
        """The speech in the audio, in windows of at most WINDOW_S seconds."""
        from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

        options = VadOptions(min_silence_duration_ms=500, speech_pad_ms=200,
                             max_speech_duration_s=WINDOW_S)
        found = get_speech_timestamps(samples, options, sampling_rate=RATE)
        if not found:
            return []
        windows, _ = collect_chunks(samples, found, sampling_rate=RATE, max_duration=WINDOW_S)
        return [w for w in windows if w.size]

    def _decode(self, window: np.ndarray) -> tuple[str, float, float]:
        """(text, no-speech probability, mean log-probability) of one window."""
        import ctranslate2

        features = self.model.feature_extractor(window)[:, :MAX_FRAMES]
        frames = min(features.shape[-1] + PAD_FRAMES, MAX_FRAMES)
        frames += frames % 2  # the encoder's convolution halves it
        padded = np.zeros((features.shape[0], frames), dtype=np.float32)
        padded[:, : features.shape[-1]] = features
        prompt = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        budget = len(prompt) + 10 + math.ceil(window.size / RATE * TOKENS_PER_S)
        result: Any = self.model.model.generate(
            ctranslate2.StorageView.from_array(padded[None]), [prompt], beam_size=1,
            suppress_blank=True, suppress_tokens=[-1], return_no_speech_prob=True,
            return_scores=True, max_length=min(budget, 448))[0]
        tokens = [t for t in result.sequences_ids[0] if t < self.tokenizer.eot]
        length = max(len(tokens), 1)
        return self.tokenizer.decode(tokens).strip(), result.no_speech_prob, \
            result.scores[0] / length

    def hear(self, samples: np.ndarray) -> Heard:
        """The words in 16 kHz mono audio (an empty text: none could be made out)."""
        windows = self.speech(samples)
        speech_s = sum(w.size for w in windows) / RATE
        texts: list[str] = []
        if speech_s >= MIN_SPEECH_S:
            for window in windows:
                text, no_speech, logprob = self._decode(window)
                if no_speech > NO_SPEECH_PROB and logprob < MIN_AVG_LOGPROB:
                    continue
                if text:
                    texts.append(text)
        return Heard(" ".join(texts).strip(), samples.size / RATE, speech_s)
