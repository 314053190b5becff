"""What a chat command receives and answers: the types every command module shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import redis

from worker.settings import Settings
from worker.store.records import utcnow
from worker.store.store import Store


@dataclass(frozen=True)
class CommandContext:
    """What a command may touch."""

    settings: Settings
    store: Store
    redis: redis.Redis
    # what time it is (a test's own clock, for reminders)
    clock: Callable[[], datetime] = field(default=utcnow)


@dataclass(frozen=True)
class CommandResult:
    """The immediate answer to a command, and the request it started if any."""

    text: str
    request_id: str | None = None


Handler = Callable[[CommandContext, str, str], CommandResult]
