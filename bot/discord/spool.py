"""Discord messages that arrived while Redis was away, sealed on local disk until it is back.

Discord does not deliver a message twice, so one that could not be stored would be lost.
Its translated :class:`~bot.inbound.Inbound` (words only: photos and voice notes are asked
for again) is written, sealed under the master key, one file per message, and replayed in
order once Redis answers. The folder holds nothing readable without the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import discord
import redis

from bot.inbound import Inbound
from bot.private import Reply
from worker.store.crypto import MasterKey

logger = logging.getLogger(__name__)

FIELDS = ("kind", "platform", "user", "chat_id", "private", "thread", "name", "text", "command",
          "args", "data", "addressed", "message_id", "turn_id", "title")
KEPT_KINDS = ("text", "command", "edit", "forward")  # words alone; media are asked for again
LABEL = "discord-spool"
FAILED = ("Something went wrong on my side with a message you sent while I was away; please "
          "send it again.")
NOT_KEPT_YET = ("I can't keep messages at this moment (a problem on my side). I've put this one "
                "aside and will take it as soon as I can; you don't need to send it again.")
SEND_AGAIN = ("I can't keep messages at this moment (a problem on my side), so I didn't keep "
              "that. Please send it again in a few minutes.")


class Spool:
    """Sealed files of messages not stored yet, oldest first."""

    def __init__(self, folder: Path, master: MasterKey) -> None:
        self.folder = folder
        self.master = master

    def put(self, inbound: Inbound) -> None:
        """Keep a message until Redis is back (written whole or not at all)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        record = {name: getattr(inbound, name) for name in FIELDS}
        record["at"] = inbound.at.isoformat()
        sealed = self.master.wrap(LABEL, json.dumps(record).encode())
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        tmp = self.folder / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.rename(self.folder / f"{name}.sealed")

    def waiting(self) -> list[tuple[Path, Inbound]]:
        """The messages kept, oldest first."""
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.sealed")):
            record = json.loads(self.master.unwrap(LABEL, path.read_bytes()))
            record["at"] = datetime.fromisoformat(record["at"])
            out.append((path, Inbound(**record)))
        return out

    def __bool__(self) -> bool:
        return self.folder.is_dir() and any(self.folder.glob("*.sealed"))


# -- replaying (the adapter's handlers and channels; Any keeps this module a leaf) ---------
async def keep_aside(adapter: Any, inbound: Inbound, message: bool) -> list[Reply]:
    """Redis is away: put a message of words aside (the user is told); else ask again."""
    if message and inbound.kind in KEPT_KINDS and not inbound.files and not inbound.audio:
        await asyncio.to_thread(adapter.spool.put, inbound)
        logger.warning("a message put aside on disk: Redis unavailable")
        return [Reply(NOT_KEPT_YET)]
    return [Reply(SEND_AGAIN)]


async def handle_later(adapter: Any, channel: Any, inbound: Inbound) -> None:
    """Redis is still away and earlier messages wait: this one waits behind them."""
    if inbound.kind in KEPT_KINDS and not inbound.files and not inbound.audio:
        await asyncio.to_thread(adapter.spool.put, inbound)
        await adapter._post(channel, Reply(NOT_KEPT_YET))
    else:
        await adapter._post(channel, Reply(SEND_AGAIN))

async def replay(adapter: Any) -> bool:
    """Take the messages put aside, in order; False while Redis is still away."""
    for path, inbound in await asyncio.to_thread(adapter.spool.waiting):
        fn = adapter.handlers.command if inbound.kind == "command" else adapter.handlers.message
        try:
            replies = await asyncio.to_thread(fn, inbound)
        except redis.RedisError:
            return False
        except Exception as exc:  # noqa: BLE001 - one bad message never blocks the rest
            logger.warning("a message put aside failed: %s", type(exc).__name__)
            replies = [Reply(FAILED)]
        path.unlink()
        channel = await _reply_channel(adapter, inbound)
        for reply in replies if channel is not None else ():
            with contextlib.suppress(discord.HTTPException):
                await adapter._after_send(inbound, reply, await adapter._post(channel, reply))
    return True

async def _reply_channel(adapter: Any, inbound: Inbound) -> Any:
    if inbound.private:
        return await adapter._channel_for(inbound.user)
    found = (adapter.client.get_channel(int(inbound.chat_id))
             or await adapter.client.fetch_channel(int(inbound.chat_id)))
    return found if isinstance(found, discord.abc.Messageable) else None

async def replay_loop(adapter: Any, stop: asyncio.Event) -> None:
    """Now and then, take what was put aside once Redis is back."""
    while not stop.is_set():
        if adapter.spool:
            try:
                await replay(adapter)
            except (discord.HTTPException, redis.RedisError) as exc:
                logger.warning("replaying messages put aside: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)
