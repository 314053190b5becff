"""Encryption at rest: a data key per user, wrapped by the master key.

Every user record the store writes is sealed with AES-256-GCM under that
user's data key; the data key is kept in Redis only wrapped (AES-GCM) by the
master key, which never enters Redis: it comes from ``STORYLOOM_MASTER_KEY``
or, with none configured, from a file generated once in the data folder (mode
0600, with a warning). Destroying a user's wrapped key makes everything
sealed under it unreadable for good (crypto-shredding).

Sealed record: ``SL1`` | data-key id (8 bytes) | nonce (12) | ciphertext+tag.
The user key is the associated data, so a record moved to another user fails.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from worker.settings import Settings

logger = logging.getLogger(__name__)

MAGIC = b"SL1"
WRAP_MAGIC = b"SLK1"
KEY_ID_LEN = 8
NONCE_LEN = 12
KEY_FILE = "master.key"


class KeyError_(Exception):
    """A key is missing or does not open what it should."""


def key_id(key: bytes) -> bytes:
    """A short, non-secret fingerprint of a key."""
    return hashlib.sha256(b"storyloom key id\0" + key).digest()[:KEY_ID_LEN]


@dataclass(frozen=True)
class MasterKey:
    """The key that wraps every user's data key."""

    key: bytes
    source: str

    @property
    def key_id(self) -> bytes:
        return key_id(self.key)

    def tag(self, user: str) -> str:
        """A keyed digest of a user id: names their tombstone without naming them."""
        named = b"storyloom forgotten\0" + user.encode("utf-8", "surrogatepass")
        digest = hmac.new(self.key, named, hashlib.sha256)
        return digest.hexdigest()[:32]

    def wrap(self, user: str, data_key: bytes) -> bytes:
        """A user's data key sealed under the master key."""
        nonce = os.urandom(NONCE_LEN)
        sealed = AESGCM(self.key).encrypt(nonce, data_key, b"dek\0" + user.encode())
        return WRAP_MAGIC + self.key_id + nonce + sealed

    def unwrap(self, user: str, blob: bytes) -> bytes:
        """The data key from its wrapped form (KeyError_ when this master did not wrap it)."""
        head = len(WRAP_MAGIC)
        if not blob.startswith(WRAP_MAGIC) or blob[head : head + KEY_ID_LEN] != self.key_id:
            raise KeyError_("the user's data key was wrapped by another master key")
        nonce = blob[head + KEY_ID_LEN : head + KEY_ID_LEN + NONCE_LEN]
        try:
            return AESGCM(self.key).decrypt(nonce, blob[head + KEY_ID_LEN + NONCE_LEN :],
                                            b"dek\0" + user.encode())
        except InvalidTag as exc:
            raise KeyError_("the user's data key does not open") from exc


def seal(user: str, data_key: bytes, plain: bytes) -> bytes:
    """A record sealed under a user's data key."""
    nonce = os.urandom(NONCE_LEN)
    return MAGIC + key_id(data_key) + nonce + AESGCM(data_key).encrypt(nonce, plain,
                                                                       user.encode())


def sealed_key_id(blob: bytes) -> bytes | None:
    """The data-key id a sealed record names, or None for a plaintext record."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + KEY_ID_LEN + NONCE_LEN + 16:
        return None
    return blob[len(MAGIC) : len(MAGIC) + KEY_ID_LEN]


def unseal(user: str, data_key: bytes, blob: bytes) -> bytes:
    """A record's plaintext (KeyError_ when the key or the user does not match)."""
    start = len(MAGIC) + KEY_ID_LEN
    try:
        return AESGCM(data_key).decrypt(blob[start : start + NONCE_LEN],
                                        blob[start + NONCE_LEN :], user.encode())
    except InvalidTag as exc:
        raise KeyError_("the record does not open with the user's data key") from exc


def new_data_key() -> bytes:
    """A fresh AES-256 data key."""
    return AESGCM.generate_key(bit_length=256)


def parse_master(text: str) -> bytes:
    """A master key from its configured form: 32 bytes as hex or base64 (urlsafe or not)."""
    text = text.strip()
    candidates = []
    with suppress(ValueError):
        candidates.append(bytes.fromhex(text))
    padded = text + "=" * (-len(text) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        with suppress(ValueError):
            candidates.append(decode(padded))
    for raw in candidates:
        if len(raw) == 32:
            return raw
    raise ValueError("STORYLOOM_MASTER_KEY must be 32 bytes, as base64 or hex "
                     "(python -c 'import secrets; print(secrets.token_urlsafe(32))')")


def _key_file(path: Path) -> bytes:
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            logger.warning("the master key file %s is readable by others (mode %o); "
                           "setting it to 0600", path, mode)
            path.chmod(0o600)
        return parse_master(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
    logger.warning("no STORYLOOM_MASTER_KEY configured: generated one in %s (mode 0600). "
                   "Back it up: without it, stored life stories cannot be read.", path)
    return parse_master(path.read_text())


class MasterKeyRequired(RuntimeError):
    """An external Redis without STORYLOOM_MASTER_KEY: refuse to start."""


def is_embedded_url(settings: Settings) -> bool:
    """Whether REDIS_URL names the embedded Redis: a unix socket inside the data folder.

    `storyloom chat` and `demo` start that server and hand its URL to their worker
    processes, which share the data folder and so its key file.
    """
    url = settings.redis_url_value() or ""
    if not url.startswith("unix://"):
        return False
    socket = Path(urlsplit(url).path).resolve()
    return socket.is_relative_to(settings.storyloom_data_dir.resolve())


def require_master_key(settings: Settings) -> None:
    """Fail closed: with an external Redis every process must be given the same master key.

    A key generated in each pod's (or host's) data folder would differ between processes and
    vanish with the pod, making the stored stories unreadable. Only the embedded Redis, whose
    data lives beside its key file, may generate one.
    """
    external = settings.redis_sentinels is not None or (
        settings.redis_url is not None and not is_embedded_url(settings))
    if external and settings.storyloom_master_key is None:
        raise MasterKeyRequired(
            "REDIS_URL (or REDIS_SENTINELS) is set but STORYLOOM_MASTER_KEY is not: refusing to "
            "start. Set the same 32-byte key for every process (python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'); a generated one would be lost with this "
            "machine and leave the stories unreadable.")


def resolve_master_key(settings: Settings) -> MasterKey:
    """The configured master key, or the data folder's (generated on first use)."""
    if settings.storyloom_master_key is not None:
        return MasterKey(parse_master(settings.storyloom_master_key.get_secret_value()), "env")
    path = settings.storyloom_data_dir / KEY_FILE
    try:
        return MasterKey(_key_file(path), str(path))
    except FileExistsError:  # another process created it between our check and open
        return MasterKey(_key_file(path), str(path))


_installed: MasterKey | None = None


def install(master: MasterKey) -> None:
    """Make this the master key of stores built without one in this process."""
    global _installed
    _installed = master


def installed() -> MasterKey | None:
    """The process's master key, if an entry point installed one."""
    return _installed
