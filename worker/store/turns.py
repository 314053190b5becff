"""Turns: stored once by id, and queued on the turns stream for the NLU group."""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cached_property

import redis
from redis.commands.core import Script

from worker.store.base import StoreBase
from worker.store.keys import TURN_SHARDS
from worker.store.records import Turn

# Atomic "store this turn once": a platform that re-sends an update (after a
# reconnect) must not create a second turn.
_APPEND_TURN = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'user', ARGV[3], 'turn', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], ARGV[1])
return 1
"""

# Own a shard's lease (or renew it); with ARGV[3], take it over from that dead owner.
_LEASE = """
local owner = redis.call('GET', KEYS[1])
if owner == false or owner == ARGV[1] or (ARGV[3] ~= '' and owner == ARGV[3]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

Entry = tuple[str, Turn | None]
# (shard, stream entry id, turn or None when malformed)
ShardEntry = tuple[int, str, Turn | None]


class LeaseLost(RuntimeError):
    """This consumer no longer owns the shard: another one applies its turns now."""


class TurnStore(StoreBase):
    """Reads and writes turns and the turns stream."""

    @cached_property
    def _append_script(self) -> Script:
        return self.redis.register_script(_APPEND_TURN)

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
        added = self._append_script(
            keys=[self.keys.turn_ids(turn.user),
                  self.keys.turns_stream(self.keys.turn_shard(turn.user)), self.keys.users(),
                  self.keys.last_turn(turn.user)],
            args=[turn.turn_id, self._dump(turn.user, turn), turn.user],
        )
        return bool(added)

    def get_turn(self, user: str, turn_id: str) -> Turn | None:
        """One stored turn by id."""
        key = self.keys.turn_ids(user)
        return self._load(Turn, self.redis.hget(key, turn_id), key, user)

    def turns(self, user: str) -> list[Turn]:
        """All of a user's stored turns in the order they were said."""
        key = self.keys.turn_ids(user)
        loaded = (self._load(Turn, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((t for t in loaded if t is not None), key=lambda t: t.seq)

    # -- the stream shards ------------------------------------------------------
    def ensure_turn_group(self, group: str) -> None:
        """Create the consumer group on every turns shard if it is missing."""
        for stream in self.keys.turns_streams():
            try:
                self.redis.xgroup_create(stream, group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def read_turns(self, group: str, consumer: str, shards: Sequence[int], count: int,
                   block_ms: int, pending: bool = False) -> list[ShardEntry]:
        """New turns (or, with pending, this consumer's unacknowledged ones) from shards."""
        if not shards:
            return []
        streams = {self.keys.turns_stream(s): "0" if pending else ">" for s in shards}
        reply = self.redis.xreadgroup(group, consumer, streams, count=count,  # type: ignore[arg-type]
                                      block=None if pending else block_ms)
        shard_of = {self.keys.turns_stream(s): s for s in shards}
        out: list[ShardEntry] = []
        for stream, entries in reply or []:
            name = stream.decode() if isinstance(stream, bytes) else stream
            shard = shard_of[name]
            out += [(shard, eid, t) for eid, t in self._turn_entries(entries, name)]
        return out

    def turn_stream_length(self) -> int:
        """Entries on every turns shard (the stream's size an operator would look at)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for stream in self.keys.turns_streams():
                pipe.xlen(stream)
            return sum(pipe.execute())

    def turn_stream_entries(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """(entry id, fields) of every turns shard, oldest first (for operators and tests)."""
        entries = [e for stream in self.keys.turns_streams() for e in self.redis.xrange(stream)]
        return sorted(entries, key=lambda e: tuple(int(x) for x in e[0].split(b"-")))

    def claim_shard(self, group: str, consumer: str, shard: int) -> int:
        """Take over every turn of a shard another consumer left unacknowledged."""
        stream, cursor, moved = self.keys.turns_stream(shard), "0-0", 0
        while True:
            # not justid: redis-py then drops the cursor
            reply = self.redis.xautoclaim(stream, group, consumer, 0, cursor, count=500)
            cursor, moved = reply[0], moved + len(reply[1])
            if cursor in (b"0-0", "0-0"):
                return moved

    def turn_consumers(self, group: str) -> list[str]:
        """Names of the consumers in the group, over every shard."""
        names: set[str] = set()
        for stream in self.keys.turns_streams():
            for c in self.redis.xinfo_consumers(stream, group):
                names.add(c["name"].decode() if isinstance(c["name"], bytes) else c["name"])
        return sorted(names)

    def _turn_entries(self, entries: list, stream: str) -> list[Entry]:
        out: list[Entry] = []
        for entry_id, fields in entries:
            eid = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
            fields = fields or {}
            raw, user = fields.get(b"turn"), fields.get(b"user")
            if raw is None or user is None:
                self.dead_letter(stream, repr(fields), "not a turn entry")
                out.append((eid, None))
                continue
            turn = self._load(Turn, raw, stream, user.decode("utf-8", "replace"))
            if turn is not None and turn.user != user.decode("utf-8", "replace"):
                self.dead_letter(stream, repr(fields), "turn of another user")
                turn = None
            out.append((eid, turn))
        return out

    def ack_turn(self, group: str, entry_id: str, shard: int = 0) -> None:
        """Acknowledge a stream entry that needs no processing (e.g. dead-lettered)."""
        self.redis.xack(self.keys.turns_stream(shard), group, entry_id)

    # -- shard leases: one consumer per shard at a time -------------------------------
    @cached_property
    def _lease_script(self) -> Script:
        return self.redis.register_script(_LEASE)

    @cached_property
    def _release_script(self) -> Script:
        return self.redis.register_script(_RELEASE)

    def acquire_shard(self, shard: int, consumer: str, ttl_ms: int,
                      replacing: str | None = None) -> bool:
        """Own (or renew) a shard's lease; `replacing` takes it from a dead owner."""
        return bool(self._lease_script(keys=[self.keys.turn_lease(shard)],
                                       args=[consumer, ttl_ms, replacing or ""]))

    def release_shard(self, shard: int, consumer: str) -> None:
        """Give a shard's lease back, if this consumer still holds it."""
        self._release_script(keys=[self.keys.turn_lease(shard)], args=[consumer])

    def shard_owners(self) -> list[str | None]:
        """The consumer owning each shard now (None: free)."""
        raw = self.redis.mget([self.keys.turn_lease(s) for s in range(TURN_SHARDS)])
        return [r.decode() if r else None for r in raw]

    def heartbeat_consumer(self, consumer: str) -> None:
        """Say this NLU consumer is alive (shards are shared among the live ones)."""
        self.redis.zadd(self.keys.nlu_consumers(), {consumer: time.time()})

    def live_consumers(self, within_s: float) -> list[str]:
        """NLU consumers that sent a heartbeat within the last within_s seconds."""
        key = self.keys.nlu_consumers()
        self.redis.zremrangebyscore(key, 0, time.time() - 10 * within_s)
        raw = self.redis.zrangebyscore(key, time.time() - within_s, "+inf")
        return [r.decode() for r in raw]

    def forget_consumer(self, consumer: str) -> None:
        """Remove a stopped consumer from the live set."""
        self.redis.zrem(self.keys.nlu_consumers(), consumer)
