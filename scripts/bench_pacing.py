"""Outbound pacing against a local Bot API that enforces Telegram's limits.

    PYTHONPATH=. python scripts/bench_pacing.py [--seconds 6] [--factor 1.5] [--chats 200]

The fake Bot API (tests/fakes) answers HTTP 429 beyond 1 message/s per chat
and 30 messages/s overall, as Telegram does. python-telegram-bot sends through
the adapter's own pacer (bot.telegram.pacing.paced) while messages are offered
at `factor` x the 30/s cap for `seconds`. Reports the 429s seen and the rate
delivered over the offered period against the cap.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.telegram.pacing import TELEGRAM_PER_SECOND, paced, telegram_pacer  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


async def _offer(tg: FakeTelegram, seconds: float, factor: float, chats: int) -> float:
    """Offer factor x cap messages/s for seconds through the pacer; returns the start time."""
    pacer = telegram_pacer()
    rate = factor * TELEGRAM_PER_SECOND
    bot = tg.bot()
    async with bot:
        started = time.monotonic()
        tasks = []
        for n in range(int(rate * seconds)):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            chat = 1000 + n % chats
            tasks.append(asyncio.create_task(paced(
                pacer, str(chat), lambda c=chat: bot.send_message(c, "Your story continues..."))))
        await asyncio.gather(*tasks)
    return started


def measure(seconds: float = 6.0, factor: float = 1.5, chats: int = 200) -> dict[str, Any]:
    """429s and delivered rate while offering factor x Telegram's overall cap."""
    with FakeTelegram() as tg:
        for n in range(chats):
            tg.world.ensure_chat(1000 + n, {"id": 1000 + n, "first_name": f"U{n}"}, "private",
                                 None)
        tg.set_flood_limits(per_chat=1, per_chat_seconds=1.0,
                            global_per_second=TELEGRAM_PER_SECOND)
        started = asyncio.run(_offer(tg, seconds, factor, chats))
        calls = tg.calls("sendMessage")
    ok = [c.at for c in calls if c.status == 200]
    in_window = [t for t in ok if t - started <= seconds]
    cap = TELEGRAM_PER_SECOND
    return {"offered_per_s": factor * cap, "cap_per_s": cap, "seconds": seconds,
            "chats": chats, "sent": len(ok), "http_429": sum(c.status == 429 for c in calls),
            "delivered_per_s": round(len(in_window) / seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--factor", type=float, default=1.5)
    parser.add_argument("--chats", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(measure(args.seconds, args.factor, args.chats), indent=2))


if __name__ == "__main__":
    main()
