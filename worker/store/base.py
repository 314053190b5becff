"""What every part of the store shares: the connections, keys, and the codec.

Every user record is written with :meth:`StoreBase._dump` and read with
:meth:`StoreBase._load`. They are the one place where records become bytes,
so encryption at rest lives here and nowhere else.

The wrapped data keys (and the tombstones of forgotten users) live in the key
store: a Redis of its own when ``STORYLOOM_KEYSTORE_URL`` is set, so a backup of
the data Redis never holds the keys that open it. A forgotten user's tombstone
refuses a new data key, so a late write (a retried NLU transaction, a job that
was running) cannot bring their data back under a fresh key.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from pydantic import BaseModel, ValidationError

from worker.store import crypto
from worker.store.crypto import MasterKey
from worker.store.keys import Keys
from worker.store.records import utcnow

if TYPE_CHECKING:
    from redis.commands.core import Script

    from worker.settings import Settings
    from worker.store.blobs import BlobStore

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
S = TypeVar("S", bound="StoreBase")
DEAD_LETTER_LEN = 10_000
DATA_KEY_CACHE = 10_000
TOMBSTONE_DAYS = 30.0

# A new data key, unless the user is tombstoned (ARGV[2] '1': they agreed again, /start).
_CREATE_KEY = """
if redis.call('EXISTS', KEYS[2]) == 1 and ARGV[2] ~= '1' then return false end
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
"""


class UserForgotten(RuntimeError):
    """The user asked to be forgotten: nothing of theirs may be written any more."""


def platform_of(user: str) -> str:
    """The platform part of a user key such as ``telegram:42``."""
    return user.split(":", 1)[0]


class StoreBase:
    """The Redis connection, the key builder and the record codec."""

    # how long audit entries are kept (worker.store.audit trims by it)
    audit_retention_days: float = 400.0

    def __init__(self, client: redis.Redis, keys: Keys, master: MasterKey | None = None,
                 keystore: redis.Redis | None = None, blobs: BlobStore | None = None,
                 tombstone_days: float = TOMBSTONE_DAYS) -> None:
        # redis-py types every sync call as "Awaitable | result"; Any keeps the store readable.
        self.redis: Any = client
        # the wrapped data keys and tombstones: a Redis of its own, or the data Redis
        self.keystore: Any = keystore if keystore is not None else client
        self.keys = keys
        self._master = master
        self.blobs = blobs  # sealed adapter files (worker.store.blobs), where configured
        self.tombstone_days = tombstone_days
        # (user, data-key id) -> data key; a destroyed key is never fetched again for writing
        self._data_keys: dict[tuple[str, bytes], bytes] = {}

    @classmethod
    def from_settings(cls: type[S], settings: Settings, client: redis.Redis) -> S:
        """A store with the configured master key (installed for this process too), key store
        and adapter store."""
        from worker.store.blobs import open_blobs

        master = crypto.resolve_master_key(settings)
        crypto.install(master)
        url = settings.storyloom_keystore_url
        password = settings.redis_password.get_secret_value() if settings.redis_password else None
        keystore = (redis.Redis.from_url(url.get_secret_value(), health_check_interval=30,
                                         password=password)
                    if url is not None else None)
        store = cls(client, Keys(settings.storyloom_key_prefix), master, keystore=keystore,
                    blobs=open_blobs(settings), tombstone_days=settings.storyloom_tombstone_days)
        store.audit_retention_days = settings.storyloom_audit_retention_days
        return store

    @property
    def master(self) -> MasterKey:
        """The master key wrapping every user's data key."""
        found = self._master or crypto.installed()
        if found is None:
            raise RuntimeError("no master key: build the store with Store.from_settings")
        return found

    @cached_property
    def _create_key_script(self) -> Script:
        return self.keystore.register_script(_CREATE_KEY)

    def _data_key(self, user: str, kid: bytes | None = None,
                  revive: bool = False) -> bytes | None:
        """The user's data key (made on first use when kid is None); None if destroyed.

        Raises UserForgotten instead of making a key for a user who was forgotten, unless
        revive: they agreed again (/start), and start afresh."""
        if kid is not None and (user, kid) in self._data_keys:
            return self._data_keys[(user, kid)]
        name = self.keys.data_key(user)
        wrapped = self.keystore.get(name)
        if wrapped is None:
            if kid is not None:
                return None
            wrapped = self._create_key_script(
                keys=[name, self.keys.tombstone(self.master.tag(user))],
                args=[self.master.wrap(user, crypto.new_data_key()), "1" if revive else "0"])
            if wrapped is None:
                raise UserForgotten("the user was forgotten: no new data of theirs is kept")
        key = self.master.unwrap(user, wrapped)
        if len(self._data_keys) > DATA_KEY_CACHE:
            self._data_keys.clear()
        self._data_keys[(user, crypto.key_id(key))] = key
        return key if kid is None or crypto.key_id(key) == kid else None

    # -- erasure: tombstones -------------------------------------------------------------------
    def tombstone_user(self, user: str) -> None:
        """Mark the user forgotten (before their key goes): late writes are refused."""
        seconds = int(self.tombstone_days * 86400)
        self.keystore.set(self.keys.tombstone(self.master.tag(user)), repr(time.time()),
                          ex=max(seconds, 1))

    def forgotten_at(self, user: str) -> float | None:
        """When the user was last forgotten (unix time), within the tombstone's life."""
        raw = self.keystore.get(self.keys.tombstone(self.master.tag(user)))
        return float(raw) if raw else None

    def forgotten_since(self, user: str, when: datetime) -> bool:
        """True when the user was forgotten after `when` (work begun before is void)."""
        at = self.forgotten_at(user)
        return at is not None and at >= when.timestamp()

    def revive_user(self, user: str) -> None:
        """A forgotten user agreed again: they get a fresh data key (the tombstone stays, so
        work begun before they were forgotten still finds it)."""
        self._data_key(user, revive=True)

    def _dump(self, user: str, record: BaseModel) -> bytes:
        """A user's record as the bytes stored in Redis: sealed under their data key."""
        return self._seal(user, record.model_dump_json().encode())

    def _seal(self, user: str, plain: bytes) -> bytes:
        """Bytes sealed under the user's data key (UserForgotten once they were forgotten)."""
        key = self._data_key(user)
        assert key is not None
        return crypto.seal(user, key, plain)

    def _unseal(self, user: str, blob: bytes) -> bytes | None:
        """Sealed bytes opened; None when their key was destroyed (or they do not open)."""
        kid = crypto.sealed_key_id(blob)
        key = self._data_key(user, kid) if kid is not None else None
        if key is None:
            return None
        try:
            return crypto.unseal(user, key, blob)
        except crypto.KeyError_:
            return None

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
