"""The one module that reads and writes user data in Redis.

Everything a user told storyloom, and everything derived from it, passes
through :class:`Store`, so encryption, deletion and export have exactly one
place to live. Records read back are validated; a record that fails goes to
the dead-letter list with a log line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import redis
from pydantic import BaseModel, ValidationError

from worker.keys import Keys
from worker.profile import Profile
from worker.records import Delivery, Installment, Turn, UserSettings, utcnow

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Atomic "store this turn once": a platform that re-sends an update (after a
# reconnect) must not create a second turn.
_APPEND_TURN = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'turn', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], ARGV[1])
return 1
"""

DELIVERY_WAKE_LEN = 100


def platform_of(user: str) -> str:
    """The platform part of a user key such as ``telegram:42``."""
    return user.split(":", 1)[0]


class Store:
    """Reads and writes user data: turns, profiles, installments, deliveries."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.redis = client
        self.keys = keys
        self._append_turn = client.register_script(_APPEND_TURN)

    # -- validation ---------------------------------------------------------
    def _load(self, model: type[M], raw: bytes | str | None, where: str) -> M | None:
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
        self.redis.xadd(self.keys.dead_letters(), {**entry, "raw": data}, maxlen=10_000)

    # -- turns ----------------------------------------------------------------
    def next_seq(self, user: str) -> int:
        """Reserve the next sequence number of a user's turns."""
        return int(self.redis.incr(self.keys.turn_seq(user)))

    def last_turn_id(self, user: str) -> str | None:
        """The id of the user's latest stored turn."""
        raw = self.redis.get(self.keys.last_turn(user))
        return raw.decode() if raw else None

    def is_applied(self, user: str, turn_id: str) -> bool:
        """True once a turn has been folded into the profile."""
        return bool(self.redis.sismember(self.keys.processed_turns(user), turn_id))

    def append_turn(self, turn: Turn) -> bool:
        """Store a turn and queue it for NLU; False if this turn id was stored before."""
        added = self._append_turn(
            keys=[self.keys.turn_ids(turn.user), self.keys.turns_stream(), self.keys.users(),
                  self.keys.last_turn(turn.user)],
            args=[turn.turn_id, turn.model_dump_json(), turn.user],
        )
        return bool(added)

    def get_turn(self, user: str, turn_id: str) -> Turn | None:
        """One stored turn by id."""
        raw = self.redis.hget(self.keys.turn_ids(user), turn_id)
        return self._load(Turn, raw, self.keys.turn_ids(user))

    def turns(self, user: str) -> list[Turn]:
        """All of a user's stored turns in the order they were said."""
        raw = self.redis.hvals(self.keys.turn_ids(user))
        loaded = (self._load(Turn, r, self.keys.turn_ids(user)) for r in raw)
        return sorted((t for t in loaded if t is not None), key=lambda t: t.seq)

    def ensure_turn_group(self, group: str) -> None:
        """Create the consumer group on the turns stream if it is missing."""
        try:
            self.redis.xgroup_create(self.keys.turns_stream(), group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read_turns(
        self, group: str, consumer: str, count: int, block_ms: int
    ) -> list[tuple[str, Turn | None]]:
        """New turns for this consumer; malformed entries come back as None."""
        reply = self.redis.xreadgroup(
            group, consumer, {self.keys.turns_stream(): ">"}, count=count, block=block_ms
        )
        return self._turn_entries(reply[0][1] if reply else [])

    def claim_stale_turns(
        self, group: str, consumer: str, min_idle_ms: int, count: int
    ) -> list[tuple[str, Turn | None]]:
        """Take over turns another consumer read but never acknowledged (it died)."""
        reply = self.redis.xautoclaim(
            self.keys.turns_stream(), group, consumer, min_idle_ms, "0-0", count=count
        )
        return self._turn_entries(reply[1])

    def turn_consumers(self, group: str) -> list[str]:
        """Names of the consumers in a group of the turns stream."""
        info = self.redis.xinfo_consumers(self.keys.turns_stream(), group)
        return [c["name"].decode() if isinstance(c["name"], bytes) else c["name"] for c in info]

    def take_over_consumer(
        self, group: str, dead: str, consumer: str
    ) -> list[tuple[str, Turn | None]]:
        """Claim every turn a dead consumer held, then remove it from the group."""
        stream = self.keys.turns_stream()
        pending = self.redis.xpending_range(stream, group, "-", "+", 10_000, consumername=dead)
        ids = [p["message_id"] for p in pending]
        claimed = self.redis.xclaim(stream, group, consumer, 0, ids) if ids else []
        self.redis.xgroup_delconsumer(stream, group, dead)
        return self._turn_entries([c for c in claimed if c and c[1] is not None])

    def _turn_entries(self, entries: list) -> list[tuple[str, Turn | None]]:
        out: list[tuple[str, Turn | None]] = []
        for entry_id, fields in entries:
            eid = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
            raw = (fields or {}).get(b"turn")
            if raw is None:
                self.dead_letter(self.keys.turns_stream(), repr(fields), "no turn field")
                out.append((eid, None))
            else:
                out.append((eid, self._load(Turn, raw, self.keys.turns_stream())))
        return out

    def ack_turn(self, group: str, entry_id: str) -> None:
        """Acknowledge a stream entry that needs no processing (e.g. dead-lettered)."""
        self.redis.xack(self.keys.turns_stream(), group, entry_id)

    # -- profile ------------------------------------------------------------------
    def get_profile(self, user: str) -> Profile:
        """The user's profile (an empty one if nothing is known yet)."""
        raw = self.redis.get(self.keys.profile(user))
        return self._load(Profile, raw, self.keys.profile(user)) or Profile(user=user)

    def apply_turn(
        self,
        turn: Turn,
        group: str,
        entry_id: str,
        update: Callable[[Profile], tuple[Profile, list[Delivery]]],
    ) -> bool:
        """Apply one turn to the profile exactly once, atomically with its ack.

        The profile write, the processed-marker, the replies and the stream ack
        commit together; a turn seen twice (redelivered after a crash) is only
        acknowledged. Returns False when the turn had already been applied.
        """
        keys = self.keys
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(keys.profile(turn.user), keys.processed_turns(turn.user))
                    if pipe.sismember(keys.processed_turns(turn.user), turn.turn_id):
                        pipe.unwatch()
                        self.redis.xack(keys.turns_stream(), group, entry_id)
                        return False
                    profile, replies = update(self.get_profile(turn.user))
                    pipe.multi()
                    pipe.set(keys.profile(turn.user), profile.model_dump_json())
                    pipe.sadd(keys.processed_turns(turn.user), turn.turn_id)
                    for delivery in replies:
                        self._queue_delivery(pipe, delivery)
                    pipe.xack(keys.turns_stream(), group, entry_id)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    def save_profile(self, profile: Profile) -> None:
        """Overwrite a profile (commands that edit it, such as /tone-independent fixes)."""
        self.redis.set(self.keys.profile(profile.user), profile.model_dump_json())

    # -- settings -------------------------------------------------------------------
    def get_settings(self, user: str) -> UserSettings:
        """The user's story settings (defaults if never set)."""
        raw = self.redis.get(self.keys.user_settings(user))
        return self._load(UserSettings, raw, self.keys.user_settings(user)) or UserSettings()

    def save_settings(self, user: str, settings: UserSettings) -> None:
        """Store the user's story settings."""
        self.redis.set(self.keys.user_settings(user), settings.model_dump_json())

    # -- installments -------------------------------------------------------------
    def installments(self, user: str) -> list[Installment]:
        """The user's installments in story order."""
        ids = [i.decode() for i in self.redis.lrange(self.keys.installments(user), 0, -1)]
        found = [self.get_installment(user, i) for i in ids]
        return [i for i in found if i is not None]

    def get_installment(self, user: str, installment_id: str) -> Installment | None:
        """One installment by id."""
        key = self.keys.installment(user, installment_id)
        return self._load(Installment, self.redis.get(key), key)

    def installment_count(self, user: str) -> int:
        """How many installments the user's story has."""
        return int(self.redis.llen(self.keys.installments(user)))

    def request_done(self, request_id: str) -> str | None:
        """The installment id that fulfilled a request, if it was fulfilled."""
        raw = self.redis.get(self.keys.request_result(request_id))
        return raw.decode() if raw else None

    def save_installment(self, installment: Installment, delivery: Delivery) -> bool:
        """Store an installment and queue its delivery, once per request.

        A generate job retried after its worker died may finish twice; only the
        first finish is stored and delivered. Returns False for the second.
        """
        keys = self.keys
        done_key = keys.request_result(installment.request_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(done_key)
                    if pipe.exists(done_key):
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    pipe.set(done_key, installment.installment_id)
                    pipe.set(
                        keys.installment(installment.user, installment.installment_id),
                        installment.model_dump_json(),
                    )
                    pipe.rpush(keys.installments(installment.user), installment.installment_id)
                    self._queue_delivery(pipe, delivery)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue

    # -- deliveries -----------------------------------------------------------------
    def _queue_delivery(self, pipe: redis.client.Pipeline, delivery: Delivery) -> None:
        platform = platform_of(delivery.user)
        pipe.xadd(self.keys.deliveries(delivery.user), {"delivery": delivery.model_dump_json()})
        pipe.sadd(self.keys.pending_delivery_users(platform), delivery.user)
        pipe.lpush(self.keys.delivery_wakeup(platform), delivery.user)
        pipe.ltrim(self.keys.delivery_wakeup(platform), 0, DELIVERY_WAKE_LEN - 1)

    def push_delivery(self, delivery: Delivery) -> None:
        """Queue something for the user's adapter to send."""
        with self.redis.pipeline() as pipe:
            self._queue_delivery(pipe, delivery)
            pipe.execute()

    def take_pending_users(self, platform: str) -> list[str]:
        """Users with deliveries waiting; cleared first, so a later push re-adds them."""
        key = self.keys.pending_delivery_users(platform)
        with self.redis.pipeline() as pipe:
            pipe.smembers(key)
            pipe.delete(key)
            members, _ = pipe.execute()
        return sorted(m.decode() for m in members)

    def wait_for_deliveries(self, platform: str, timeout_s: float) -> None:
        """Block until some delivery is queued for this platform, or the timeout."""
        self.redis.blpop([self.keys.delivery_wakeup(platform)], timeout=timeout_s)

    def deliveries_after(
        self, user: str, platform: str, count: int = 100
    ) -> list[tuple[str, Delivery]]:
        """Deliveries this platform's adapter has not yet sent to the user."""
        cursor = self.redis.get(self.keys.delivery_cursor(platform, user))
        start = "(" + cursor.decode() if cursor else "-"
        out: list[tuple[str, Delivery]] = []
        for entry_id, fields in self.redis.xrange(self.keys.deliveries(user), start, "+", count):
            eid = entry_id.decode()
            found = self._load(Delivery, fields.get(b"delivery"), self.keys.deliveries(user))
            if found is None:
                self.mark_delivered(user, platform, eid)
                continue
            out.append((eid, found))
        return out

    def read_deliveries(
        self, user: str, platform: str, block_ms: int
    ) -> list[tuple[str, Delivery]]:
        """Wait up to block_ms for deliveries after this platform's cursor."""
        cursor = self.delivery_cursor(user, platform) or "0-0"
        reply = self.redis.xread({self.keys.deliveries(user): cursor}, count=100, block=block_ms)
        if not reply:
            return []
        return self.deliveries_after(user, platform)

    def mark_delivered(self, user: str, platform: str, entry_id: str) -> None:
        """Move the adapter's cursor past a sent delivery."""
        self.redis.set(self.keys.delivery_cursor(platform, user), entry_id)

    def delivery_cursor(self, user: str, platform: str) -> str | None:
        """The id of the last delivery sent to this user on this platform."""
        raw = self.redis.get(self.keys.delivery_cursor(platform, user))
        return raw.decode() if raw else None

    # -- users ----------------------------------------------------------------------
    def users(self) -> list[str]:
        """Every user key storyloom holds data for."""
        return sorted(u.decode() for u in self.redis.smembers(self.keys.users()))

    def touch_user(self, user: str) -> None:
        """Remember that a user exists (commands can come before any turn)."""
        self.redis.sadd(self.keys.users(), user)
