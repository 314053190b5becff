"""The fake Discord gateway: HELLO, heartbeats, IDENTIFY/READY, RESUME and dispatches (v10 JSON)."""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes._server import Recorder
from tests.fakes.discord_world import DiscordWorld

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, RESUME, RECONNECT = 0, 1, 2, 3, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 8, 9, 10, 11
GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 12, 1 << 15
MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"}
REPLAY_LIMIT = 1000


@dataclass
class Connection:
    """One websocket; zlib-stream keeps a single compressor for the whole connection."""

    ws: web.WebSocketResponse
    compressor: Any | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Session | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        """Send one frame: text, or zlib-stream binary ending in Z_SYNC_FLUSH."""
        raw = json.dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return
            if self.compressor is None:
                await self.ws.send_str(raw)
            else:
                data = self.compressor.compress(raw.encode()) + self.compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.ws.send_bytes(data)


@dataclass
class Session:
    """A gateway session: sequence numbers and the frames a RESUME may replay."""

    session_id: str
    intents: int
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    conn: Connection | None = None


class Gateway:
    """Serves /gateway and dispatches events to the identified session."""

    def __init__(self, world: DiscordWorld, recorder: Recorder, token: str, url: Callable[[], str]):
        self.world = world
        self.recorder = recorder
        self.token = token
        self.url = url
        self.heartbeat_interval_ms = 41250
        self.allow_zlib = True
        self.sessions: dict[str, Session] = {}
        self.current: Session | None = None
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.heartbeats = 0
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.connections: list[Connection] = []
        self.connect_queries: list[dict[str, str]] = []
        self.member_requests: list[dict[str, Any]] = []

    @property
    def ready(self) -> bool:
        """True once a session has identified and is connected."""
        return self.current is not None and self.current.conn is not None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One websocket connection, from HELLO to close."""
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.connect_queries.append(dict(request.query))
        zlib_stream = request.query.get("compress") == "zlib-stream" and self.allow_zlib
        conn = Connection(ws, zlib.compressobj() if zlib_stream else None)
        self.connections.append(conn)
        hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
        await conn.send({"op": HELLO, "d": hello, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
                elif msg.type is WSMsgType.BINARY:
                    await ws.close(code=4002, message=b"Decode error")
        finally:
            self.connections.remove(conn)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self.recorder.changed()
        return ws

    async def _on_frame(self, conn: Connection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif op == REQUEST_MEMBERS:
            await self._members_chunk(conn, data or {})
        elif op in (PRESENCE, 4):
            pass  # presence and voice state updates need no answer
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        session = Session(secrets.token_hex(16), int(data.get("intents", 0)), conn=conn)
        self.sessions[session.session_id] = session
        conn.session = session
        self.current = session
        ready = {
            "v": 10,
            "user": self.world.bot_user,
            "guilds": [{"id": self.world.guild_id, "unavailable": True}],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.url(),
            "application": {"id": self.world.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-gateway"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._send_event(session, "READY", ready)
        if session.intents & GUILDS:
            with self.recorder.lock:
                guild = self.world.guild_payload()
            await self._send_event(session, "GUILD_CREATE", guild)
        pending, self.pending = self.pending, []
        for event, payload in pending:
            await self.dispatch(event, payload)
        self.recorder.changed()

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        self.resumes.append({k: v for k, v in data.items() if k != "token"})
        if session is None or data.get("token") != self.token:
            await conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        session.conn = conn
        conn.session = session
        self.current = session
        since = int(data.get("seq") or 0)
        for frame in session.log:
            if frame["s"] > since:
                await conn.send(frame)
        await self._send_event(session, "RESUMED", {"_trace": ["fake-gateway"]})
        self.recorder.changed()

    async def _members_chunk(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is None:
            return
        self.member_requests.append(data)
        with self.recorder.lock:
            members = list(self.world.members.values())
        chunk = {
            "guild_id": self.world.guild_id,
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send_event(conn.session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send_event(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.log = session.log[-REPLAY_LIMIT:] + [frame]
        if session.conn is not None:
            await session.conn.send(frame)

    def _visible(self, session: Session, event: str, data: dict[str, Any]) -> dict[str, Any] | None:
        """Apply intents: which events a session receives and whether content is redacted."""
        if event not in MESSAGE_EVENTS:
            return data
        in_guild = bool(data.get("guild_id"))
        if not session.intents & (GUILD_MESSAGES if in_guild else DIRECT_MESSAGES):
            return None
        author = (data.get("author") or {}).get("id")
        mentioned = any(u["id"] == self.world.bot_user["id"] for u in data.get("mentions", []))
        privileged = session.intents & MESSAGE_CONTENT
        if event == "MESSAGE_DELETE" or not in_guild or privileged or mentioned:
            return data
        if author == self.world.bot_user["id"]:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the current session, or queue it until one identifies."""
        session = self.current
        if session is None:
            self.pending.append((event, data))
            return
        visible = self._visible(session, event, data)
        if visible is not None:
            await self._send_event(session, event, visible)

    async def reconnect(self) -> None:
        """Ask the client to reconnect (op 7); discord.py then RESUMEs."""
        session = self.current
        if session is not None and session.conn is not None:
            await session.conn.send({"op": RECONNECT, "d": None, "s": None, "t": None})

    async def close_all(self, code: int = 1001) -> None:
        """Close every websocket (server going away)."""
        for conn in list(self.connections):
            await conn.ws.close(code=code, message=b"fake shutting down")
