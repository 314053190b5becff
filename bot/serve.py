"""`storyloom serve`: every chat adapter whose token is configured, and the workers.

Telegram runs when ``TELEGRAM_TOKEN`` is set, Discord when ``DISCORD_TOKEN`` is
set (environment or .env). The NLU, generate and finetune workers run as child processes
(as for `storyloom chat`) unless ``--no-workers`` says they run elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Callable
from typing import Protocol

from bot.local import LEARNING_ROLES, LocalServices, prepare_model
from bot.outbox import Outbox
from worker.conversation.commands import CommandContext
from worker.ops.health import Health, beat_while, process_health
from worker.settings import Settings
from worker.store.store import Store

logger = logging.getLogger(__name__)

NO_TOKEN = (
    "storyloom serve: no chat platform is configured, so there is nothing to serve.\n"
    "Set TELEGRAM_TOKEN (a bot token from @BotFather) and/or DISCORD_TOKEN (a bot token from "
    "the Discord developer portal, with the Message Content intent enabled) in the "
    "environment or in a .env file (see .env.example), then run `storyloom serve` again.\n"
    "To talk with storyloom without a platform, run `storyloom chat`."
)
PLATFORMS = ("telegram", "discord")


def configured(settings: Settings) -> list[str]:
    """The platforms whose token is set."""
    tokens = {"telegram": settings.telegram_token, "discord": settings.discord_token}
    return [name for name in PLATFORMS if tokens[name] is not None]


class Adapter(Protocol):
    """A chat adapter: serves until its stop event is set; its outbox delivers."""

    outbox: Outbox

    async def run(self, stop: asyncio.Event) -> None: ...


def _adapters(ctx: CommandContext, settings: Settings, platforms: list[str]) -> list[Adapter]:
    adapters: list[Adapter] = []
    if "telegram" in platforms and settings.telegram_token is not None:
        from bot.telegram.adapter import TelegramAdapter

        adapters.append(TelegramAdapter(ctx, settings,
                                        settings.telegram_token.get_secret_value()))
    if "discord" in platforms and settings.discord_token is not None:
        from bot.discord.adapter import DiscordAdapter, point_at

        point_at(settings)
        adapters.append(DiscordAdapter(ctx, settings, settings.discord_token.get_secret_value()))
    return adapters


def delivering(adapters: list[Adapter], start_s: float = 120.0) -> Callable[[], bool]:
    """Liveness of `serve`: every adapter's delivery loop went round lately (after start_s
    to connect). A loop that died, or hangs, stops the beat and the pod is restarted."""
    began = time.monotonic()

    def check() -> bool:
        connecting = time.monotonic() - began < start_s
        return all(a.outbox.live() or (connecting and not a.outbox.started) for a in adapters)

    return check


async def serve(ctx: CommandContext, settings: Settings, platforms: list[str],
                health: Health | None = None) -> int:
    """Run the adapters until SIGINT/SIGTERM; 1 if every one of them failed."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    adapters = _adapters(ctx, settings, platforms)
    beating = asyncio.create_task(beat_while(health, delivering(adapters))) if health else None
    results = await asyncio.gather(*(a.run(stop) for a in adapters), return_exceptions=True)
    failed = 0
    for name, result in zip(platforms, results, strict=True):
        if isinstance(result, BaseException):
            failed += 1
            logger.error("%s adapter stopped with an error: %s", name, type(result).__name__)
    if beating is not None:
        beating.cancel()
    logger.info("storyloom serve stopped")
    return 1 if failed == len(adapters) and not stop.is_set() else 0


def run_serve(settings: Settings, workers: bool = True) -> int:
    """The `storyloom serve` command."""
    # httpx logs every Bot API URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    platforms = configured(settings)
    if not platforms:
        print(NO_TOKEN, file=sys.stderr, flush=True)
        return 2
    for name in PLATFORMS:
        state = "on" if name in platforms else f"off (set {name.upper()}_TOKEN to turn it on)"
        logger.info("%s adapter: %s", name, state)
    if workers:
        prepare_model(settings, logger.info)
    roles = LEARNING_ROLES if workers else ()
    logger.info("workers: %s", ", ".join(roles) if workers else "off (--no-workers)")
    with LocalServices(settings, roles=roles) as services:
        assert services.client is not None
        store = Store.from_settings(settings, services.client)
        ctx = CommandContext(settings=settings, store=store, redis=services.client)
        health, server = process_health(settings, "serve", services.client)
        try:
            return asyncio.run(serve(ctx, settings, platforms, health))
        finally:
            if server is not None:
                server.stop()
