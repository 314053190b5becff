"""Turns: stored once by id, and queued on the turns stream for the NLU group."""

from __future__ import annotations

from functools import cached_property

import redis
from redis.commands.core import Script

from worker.records import Turn
from worker.store.base import StoreBase

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

Entry = tuple[str, Turn | None]


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
            keys=[self.keys.turn_ids(turn.user), self.keys.turns_stream(), self.keys.users(),
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

    # -- the stream ---------------------------------------------------------------
    def ensure_turn_group(self, group: str) -> None:
        """Create the consumer group on the turns stream if it is missing."""
        try:
            self.redis.xgroup_create(self.keys.turns_stream(), group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read_turns(self, group: str, consumer: str, count: int, block_ms: int) -> list[Entry]:
        """New turns for this consumer; malformed entries come back as None."""
        reply = self.redis.xreadgroup(
            group, consumer, {self.keys.turns_stream(): ">"}, count=count, block=block_ms
        )
        return self._turn_entries(reply[0][1] if reply else [])

    def claim_stale_turns(
        self, group: str, consumer: str, min_idle_ms: int, count: int
    ) -> list[Entry]:
        """Take over turns another consumer read but never acknowledged (it died)."""
        reply = self.redis.xautoclaim(
            self.keys.turns_stream(), group, consumer, min_idle_ms, "0-0", count=count
        )
        return self._turn_entries(reply[1])

    def turn_consumers(self, group: str) -> list[str]:
        """Names of the consumers in a group of the turns stream."""
        info = self.redis.xinfo_consumers(self.keys.turns_stream(), group)
        return [c["name"].decode() if isinstance(c["name"], bytes) else c["name"] for c in info]

    def take_over_consumer(self, group: str, dead: str, consumer: str) -> list[Entry]:
        """Claim every turn a dead consumer held, then remove it from the group."""
        stream = self.keys.turns_stream()
        pending = self.redis.xpending_range(stream, group, "-", "+", 10_000, consumername=dead)
        ids = [p["message_id"] for p in pending]
        claimed = self.redis.xclaim(stream, group, consumer, 0, ids) if ids else []
        self.redis.xgroup_delconsumer(stream, group, dead)
        return self._turn_entries([c for c in claimed if c and c[1] is not None])

    def _turn_entries(self, entries: list) -> list[Entry]:
        out: list[Entry] = []
        stream = self.keys.turns_stream()
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

    def ack_turn(self, group: str, entry_id: str) -> None:
        """Acknowledge a stream entry that needs no processing (e.g. dead-lettered)."""
        self.redis.xack(self.keys.turns_stream(), group, entry_id)
