"""What every part of the store shares: the connection, keys, and the codec.

Every user record is written with :meth:`StoreBase._dump` and read with
:meth:`StoreBase._load`. They are the one place where records become bytes,
so encryption at rest lives here and nowhere else.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from pydantic import BaseModel, ValidationError

from worker.store import crypto
from worker.store.crypto import MasterKey
from worker.store.keys import Keys
from worker.store.records import utcnow

if TYPE_CHECKING:
    from worker.settings import Settings

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
S = TypeVar("S", bound="StoreBase")
DEAD_LETTER_LEN = 10_000
DATA_KEY_CACHE = 10_000


def platform_of(user: str) -> str:
    """The platform part of a user key such as ``telegram:42``."""
    return user.split(":", 1)[0]


class StoreBase:
    """The Redis connection, the key builder and the record codec."""

    def __init__(self, client: redis.Redis, keys: Keys, master: MasterKey | None = None) -> None:
        # redis-py types every sync call as "Awaitable | result"; Any keeps the store readable.
        self.redis: Any = client
        self.keys = keys
        self._master = master
        # (user, data-key id) -> data key; a destroyed key is never fetched again for writing
        self._data_keys: dict[tuple[str, bytes], bytes] = {}

    @classmethod
    def from_settings(cls: type[S], settings: Settings, client: redis.Redis) -> S:
        """A store with the configured master key (installed for this process too)."""
        master = crypto.resolve_master_key(settings)
        crypto.install(master)
        return cls(client, Keys(settings.storyloom_key_prefix), master)

    @property
    def master(self) -> MasterKey:
        """The master key wrapping every user's data key."""
        found = self._master or crypto.installed()
        if found is None:
            raise RuntimeError("no master key: build the store with Store.from_settings")
        return found

    def _data_key(self, user: str, kid: bytes | None = None) -> bytes | None:
        """The user's data key (made on first use when kid is None); None if destroyed."""
        if kid is not None and (user, kid) in self._data_keys:
            return self._data_keys[(user, kid)]
        name = self.keys.data_key(user)
        wrapped = self.redis.get(name)
        if wrapped is None:
            if kid is not None:
                return None
            self.redis.set(name, self.master.wrap(user, crypto.new_data_key()), nx=True)
            wrapped = self.redis.get(name)
        key = self.master.unwrap(user, wrapped)
        if len(self._data_keys) > DATA_KEY_CACHE:
            self._data_keys.clear()
        self._data_keys[(user, crypto.key_id(key))] = key
        return key if kid is None or crypto.key_id(key) == kid else None

    def _dump(self, user: str, record: BaseModel) -> bytes:
        """A user's record as the bytes stored in Redis: sealed under their data key."""
        key = self._data_key(user)
        assert key is not None
        return crypto.seal(user, key, record.model_dump_json().encode())

    def _load(self, model: type[M], raw: bytes | str | None, where: str, user: str) -> M | None:
        """A record read back and validated; a bad one is dead-lettered and None returned."""
        if raw is None:
            return None
        blob = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
        kid = crypto.sealed_key_id(blob)
        plain: bytes | str = raw
        if kid is not None:
            key = self._data_key(user, kid)
            if key is None:
                logger.info("a record of user %s at %s was sealed under a destroyed key",
                            user, where)
                return None
            try:
                plain = crypto.unseal(user, key, blob)
            except crypto.KeyError_:
                self.dead_letter(where, blob, f"{model.__name__}: does not open for this user")
                return None
        try:
            return model.model_validate_json(plain)
        except ValidationError as exc:
            self.dead_letter(where, raw, f"{model.__name__}: {exc.error_count()} errors")
            return None

    def dead_letter(self, where: str, raw: bytes | str, reason: str) -> None:
        """Keep a record that failed validation, never drop it silently."""
        logger.warning("dead-lettered a record from %s: %s", where, reason)
        entry = {"where": where, "reason": reason, "at": utcnow().isoformat()}
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "replace")
        self.redis.xadd(self.keys.dead_letters(), {**entry, "raw": data}, maxlen=DEAD_LETTER_LEN)
