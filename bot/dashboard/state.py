"""What every request handler of the dashboard reaches: settings, store, templates."""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from redis import Redis

from worker.settings import Settings
from worker.store.store import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass
class Dashboard:
    """The dashboard's process-wide state."""

    settings: Settings
    store: Store
    redis: redis.Redis
    templates: Jinja2Templates
    # argon2 takes 64 MiB a hash: only this many run at once (settings.login_max_hashing)
    hashing: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(2))
    # reverse proxies whose X-Forwarded-For is believed
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def build(cls, settings: Settings, store: Store, client: Redis) -> Dashboard:
        """The state for one app, its limits read from the settings."""
        proxies = tuple(ipaddress.ip_network(p.strip(), strict=False)
                        for p in settings.storyloom_trusted_proxies.split(",") if p.strip())
        return cls(settings=settings, store=store, redis=client, templates=build_templates(),
                   hashing=threading.BoundedSemaphore(settings.storyloom_login_max_hashing),
                   trusted_proxies=proxies)


def build_templates() -> Jinja2Templates:
    """Jinja2 templates with autoescaping on for every page."""
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.autoescape = True
    return templates


def dash(request: Request) -> Dashboard:
    """The dashboard state of the app serving this request."""
    found: Dashboard = request.app.state.dashboard
    return found


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from a template, with the viewer (if any) and CSRF token available to it."""
    viewer = getattr(request.state, "viewer", None)
    context.setdefault("viewer", viewer)
    context.setdefault("csrf", viewer.session.csrf if viewer else "")
    return dash(request).templates.TemplateResponse(request, name, context,
                                                     status_code=status_code)
