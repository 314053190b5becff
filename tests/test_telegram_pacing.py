"""Telegram send limits as the pacer applies them: ~1/s per chat, 30/s overall, 429 holds."""

from __future__ import annotations

import asyncio
import time

from bot.telegram.pacing import PER_CHAT_S, PER_SECOND, telegram_pacer


def test_overall_limit_spreads_a_burst_to_many_chats() -> None:
    async def burst() -> list[float]:
        pacer = telegram_pacer()
        stamps = []
        for chat in range(PER_SECOND + 10):
            await pacer.slot(str(chat))
            stamps.append(time.monotonic())
        return stamps

    stamps = asyncio.run(burst())
    assert stamps[PER_SECOND - 1] - stamps[0] < 0.5, "a second's worth goes out at once"
    assert stamps[PER_SECOND] - stamps[0] >= 0.95, "the next waits for the next second"


def test_one_chat_is_paced_and_a_flood_hold_is_respected() -> None:
    async def chat() -> list[float]:
        pacer = telegram_pacer()
        stamps = []
        for _ in range(3):
            await pacer.slot("42")
            stamps.append(time.monotonic())
        pacer.hold(1.5, "42")
        await pacer.slot("7")  # other chats are not held
        stamps.append(time.monotonic())
        await pacer.slot("42")
        stamps.append(time.monotonic())
        return stamps

    s = asyncio.run(chat())
    assert s[1] - s[0] >= PER_CHAT_S - 0.01 and s[2] - s[1] >= PER_CHAT_S - 0.01
    assert s[3] - s[2] < 0.1
    assert s[4] - s[2] >= 1.5 - 0.01
