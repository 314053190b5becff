"""The dashboard app: `create_app` builds it over a store; `run_dashboard` serves it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.dashboard.routes import ROUTERS
from bot.dashboard.routes.family import FamilyGone, family_guard
from bot.dashboard.security import (
    Busy,
    Forbidden,
    LoginRequired,
    csrf_guard,
    login_csrf_guard,
)
from bot.dashboard.state import Dashboard, render
from worker.settings import Settings
from worker.store.store import Store

logger = logging.getLogger(__name__)

# No scripts at all; inline styles only; nothing framed, nothing sent elsewhere.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # "no-referrer" would make browsers send "Origin: null" on our own form posts
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # client data must not stay in a shared computer's cache
    "Cache-Control": "no-store",
}
# The family page's address carries its key: never sent on, never indexed.
FAMILY_HEADERS = {"Referrer-Policy": "no-referrer",
                  "X-Robots-Tag": "noindex, nofollow, noarchive, nosnippet"}


def api_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) for every endpoint the app serves."""
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path is not None:
            out += [(method, context.path, route) for method in sorted(context.methods or ())]
    return out


def _check_every_post_is_guarded(app: FastAPI) -> None:
    """Refuse to start when a state-changing route lacks CSRF protection."""
    for method, path, route in api_routes(app):
        if method in ("GET", "HEAD"):
            continue
        calls = {d.call for d in route.dependant.dependencies}
        if not calls & {csrf_guard, login_csrf_guard, family_guard}:
            raise RuntimeError(f"{method} {path} changes state without a CSRF guard")


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(FamilyGone)
    async def _family_gone(request: Request, exc: FamilyGone) -> Response:
        return render(request, "family_gone.html", exc.status, title=exc.title,
                      message=exc.message)

    @app.exception_handler(Busy)
    async def _busy(request: Request, exc: Busy) -> Response:
        response = render(request, "error.html", 503, title="Busy",
                          message="Too many people are logging in at once. Try again in a "
                          "few seconds.")
        response.headers["Retry-After"] = "2"
        return response

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", 403, title="Not allowed", message=exc.reason)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        title = "Not found" if exc.status_code == 404 else "Something is wrong"
        return render(request, "error.html", exc.status_code, title=title,
                      message=str(exc.detail) if exc.status_code != 404 else
                      "There is no such page.")


def create_app(settings: Settings, client: redis.Redis) -> FastAPI:
    """The dashboard over a Redis connection."""
    app = FastAPI(title="storyloom dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    store = Store.from_settings(settings, client)
    app.state.dashboard = Dashboard.build(settings, store, client)
    for router in ROUTERS:
        app.include_router(router)
    _handlers(app)
    # HTTPS only from the first visit on, for a year by default (only where cookies are Secure)
    hsts = (f"max-age={settings.storyloom_hsts_seconds}; includeSubDomains"
            if settings.storyloom_secure_cookies and settings.storyloom_hsts_seconds else "")

    @app.middleware("http")
    async def _headers(request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if hsts:
            response.headers["Strict-Transport-Security"] = hsts
        if request.url.path.startswith("/family/"):
            response.headers.update(FAMILY_HEADERS)
        return response

    _check_every_post_is_guarded(app)
    return app


def run_dashboard(settings: Settings, host: str | None = None, port: int | None = None) -> int:
    """Serve the dashboard until interrupted."""
    import uvicorn

    from worker.ops.connection import open_redis
    from worker.ops.health import process_health

    client, embedded = open_redis(settings)
    # liveness: the endpoints answer (uvicorn's own loop is not instrumented)
    _, health_server = process_health(settings, "dashboard", client, float("inf"))
    try:
        app = create_app(settings, client)
        if not settings.storyloom_secure_cookies:
            logger.warning("cookies are not marked Secure: use this only over local http")
        uvicorn.run(app, host=host or settings.storyloom_dashboard_host,
                    port=port or settings.storyloom_dashboard_port, log_config=None,
                    proxy_headers=False, server_header=False)
        return 0
    finally:
        if health_server is not None:
            health_server.stop()
        client.close()
        if embedded is not None:
            embedded.stop()
