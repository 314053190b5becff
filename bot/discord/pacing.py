"""Outbound pacing for Discord, on top of discord.py's own rate-limit handling.

discord.py reads the X-RateLimit headers, sleeps through buckets and retries
429s itself. This pacer only smooths storyloom's own bursts (a vote closing
while installments go out to many DMs) below Discord's published limits:
5 messages per 5 s in a channel and 50 requests per second overall.
"""

from __future__ import annotations

from bot.outbox import Pacer

PER_CHANNEL_S = 1.0
PER_SECOND = 40


def discord_pacer() -> Pacer:
    """A pacer under Discord's limits."""
    return Pacer(PER_CHANNEL_S, PER_SECOND)
