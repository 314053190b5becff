"""HTTP plumbing of the fake Discord REST API: bodies, bot auth, 429s and X-RateLimit headers."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tests.fakes._server import Call, Recorder, json_response
from tests.fakes.discord_rest import Handler, RestRequest
from tests.fakes.discord_world import DiscordError
from tests.fakes.ratelimit import FloodGate, Limited

API_PREFIX = "/api/v10"
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RestGate:
    """Wraps route handlers: parse, authenticate, rate-limit, record, answer JSON."""

    def __init__(self, token: str, recorder: Recorder, gate: FloodGate) -> None:
        self.token = token
        self.recorder = recorder
        self.gate = gate

    def wrap(self, method: str, path: str, handler: Handler, auth: bool) -> Route:
        """The aiohttp handler for one route; its key reads like "POST /channels/{channel_id}"."""
        key = f"{method} {path}"

        async def route(request: web.Request) -> web.StreamResponse:
            at = time.monotonic()
            try:
                payload, files = await read_body(request)
            except ValueError:
                self.recorder.record(Call(key, {}, 400, at, None, request.path))
                body = {"message": "The request body contains invalid JSON.", "code": 50109}
                return json_response(body, 400)
            params = {"json": payload, "query": dict(request.query)}
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                self.recorder.record(Call(key, params, 401, at, None, request.path))
                return json_response({"message": "401: Unauthorized", "code": 0}, 401)
            match = dict(request.match_info)
            scope = "+".join(match[k] for k in sorted(match) if k != "message_id")
            limited = self.gate.check(key, scope, at)
            if limited is not None:
                self.recorder.record(Call(key, params, 429, at, limited.retry_after, request.path))
                return too_many(limited)
            rest_request = RestRequest(match, dict(request.query), payload, files)
            status, body = await self._answer(handler, rest_request)
            self.recorder.record(Call(key, params, status, at, None, request.path, files))
            headers = self.bucket_headers(key, scope)
            if status == 204:
                return web.Response(status=204, headers=headers)
            return json_response(body, status, headers)

        return route

    @staticmethod
    async def _answer(handler: Handler, request: RestRequest) -> tuple[int, Any]:
        try:
            return await handler(request)
        except DiscordError as err:
            return err.status, err.body()
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            # Malformed payloads get Discord's form error, never a 500 from the fake.
            errors = {"_errors": [{"code": "INVALID", "message": type(err).__name__}]}
            return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}

    def bucket_headers(self, key: str, scope: str) -> dict[str, str]:
        """X-RateLimit-* headers for a route with a configured bucket (none otherwise)."""
        state = self.gate.window_state(key, scope, time.monotonic())
        if state is None:
            return {}
        limit, remaining, reset_after = state
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(key),
        }

    async def not_found(self, request: web.Request) -> web.Response:
        """Any other path: Discord's JSON 404, recorded with the literal path."""
        key = f"{request.method} {request.path.removeprefix(API_PREFIX)}"
        call = Call(key, {"query": dict(request.query)}, 404, time.monotonic(), None, request.path)
        self.recorder.record(call)
        return json_response({"message": "404: Not Found", "code": 0}, 404)


async def read_body(request: web.Request) -> tuple[Any, dict[str, bytes]]:
    """JSON body, or multipart with payload_json and files[n] parts."""
    if not request.can_read_body:
        return None, {}
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: dict[str, bytes] = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[value.filename] = value.file.read()
            elif name == "payload_json":
                payload = json.loads(str(value))
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), {}


def bucket_hash(key: str) -> str:
    """A stable opaque bucket id, like Discord's X-RateLimit-Bucket."""
    return hashlib.sha1(key.encode()).hexdigest()[:32]


def too_many(limited: Limited) -> web.Response:
    """A 429 as Discord sends it; discord.py needs the Via header to trust it."""
    retry = limited.retry_after
    headers = {
        "Retry-After": str(math.ceil(retry)),
        "X-RateLimit-Limit": str(limited.limit),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
        "X-RateLimit-Reset-After": f"{retry:.3f}",
        "X-RateLimit-Bucket": bucket_hash(limited.bucket),
        "X-RateLimit-Scope": "global" if limited.is_global else "user",
        "Via": "1.1 google",
    }
    if limited.is_global:
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry,
        "global": limited.is_global,
    }
    return json_response(body, 429, headers)
