"""What every request handler of the dashboard reaches: settings, store, templates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

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
