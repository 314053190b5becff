"""Receiving Telegram updates by webhook (optional; long polling is the default).

A small aiohttp server (aiohttp ships with discord.py, so this adds nothing to
install) takes Telegram's POSTs, checks the secret token and hands each update
to the PTB Application's queue; setWebhook tells Telegram where to post. The
secret is required: without it anyone who reaches the URL could forge updates
in a user's name.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from worker.settings import Settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Webhook:
    """A running webhook server."""

    runner: web.AppRunner
    app: Application  # type: ignore[type-arg]


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebhookWithoutSecret(ValueError):
    """A webhook was asked for without TELEGRAM_WEBHOOK_SECRET."""


Take = Callable[[Update], Awaitable[bool]]


def _handler(app: Application, secret: str, take: Take) -> Handler:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if update is not None and not await take(update):
            # not stored (Redis away): an error makes Telegram deliver it again later
            return web.Response(status=503)
        return web.Response(status=200)

    return receive


def webhook_secret(settings: Settings) -> str:
    """The webhook's secret; WebhookWithoutSecret when a webhook is configured without one."""
    secret = (settings.telegram_webhook_secret.get_secret_value()
              if settings.telegram_webhook_secret else "")
    if settings.telegram_webhook_url and not secret:
        raise WebhookWithoutSecret(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not: refusing to take "
            "updates anyone could forge (set a random secret, 1-256 of A-Z a-z 0-9 _ -)")
    return secret


async def start_webhook(app: Application, settings: Settings, take: Take) -> Webhook:
    """Listen for Telegram's posts (each taken before it is answered: an update that could
    not be stored gets an error, so Telegram retries it) and register the webhook URL."""
    url = settings.telegram_webhook_url or ""
    secret = webhook_secret(settings)
    if not secret:
        raise WebhookWithoutSecret("a webhook needs TELEGRAM_WEBHOOK_SECRET")
    path = urlparse(url).path or "/"
    server = web.Application(client_max_size=10 * 1024 * 1024)
    server.router.add_post(path, _handler(app, secret, take))
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, settings.telegram_webhook_listen,
                      settings.telegram_webhook_port).start()
    await app.bot.set_webhook(url, secret_token=secret,
                              allowed_updates=["message", "edited_message", "callback_query"])
    logger.info("telegram webhook listening on %s:%s (path hash %s)",
                settings.telegram_webhook_listen, settings.telegram_webhook_port,
                hashlib.sha256(path.encode()).hexdigest()[:8])
    return Webhook(runner=runner, app=app)


async def stop_webhook(webhook: object) -> None:
    """Stop listening (the webhook stays registered so Telegram keeps updates for us)."""
    assert isinstance(webhook, Webhook)
    await webhook.runner.cleanup()
