"""What every part of the store shares: the connection, keys, and the codec.

Every user record is written with :meth:`StoreBase._dump` and read with
:meth:`StoreBase._load`. They are the one place where records become bytes,
so encryption at rest lives here and nowhere else.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import redis
from pydantic import BaseModel, ValidationError

from worker.keys import Keys
from worker.records import utcnow

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
DEAD_LETTER_LEN = 10_000


def platform_of(user: str) -> str:
    """The platform part of a user key such as ``telegram:42``."""
    return user.split(":", 1)[0]


class StoreBase:
    """The Redis connection, the key builder and the record codec."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        # redis-py types every sync call as "Awaitable | result"; Any keeps the store readable.
        self.redis: Any = client
        self.keys = keys

    def _dump(self, user: str, record: BaseModel) -> bytes:
        """A user's record as the bytes stored in Redis."""
        return record.model_dump_json().encode()

    def _load(self, model: type[M], raw: bytes | str | None, where: str, user: str) -> M | None:
        """A record read back and validated; a bad one is dead-lettered and None returned."""
        if raw is None:
            return None
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            self.dead_letter(where, raw, f"{model.__name__}: {exc.error_count()} errors")
            return None

    def dead_letter(self, where: str, raw: bytes | str, reason: str) -> None:
        """Keep a record that failed validation, never drop it silently."""
        logger.warning("dead-lettered a record from %s: %s", where, reason)
        entry = {"where": where, "reason": reason, "at": utcnow().isoformat()}
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "replace")
        self.redis.xadd(self.keys.dead_letters(), {**entry, "raw": data}, maxlen=DEAD_LETTER_LEN)
