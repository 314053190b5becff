"""A fake Telegram Bot API server on 127.0.0.1 for python-telegram-bot pointed at it by base_url.

with FakeTelegram() as tg:
    app = (Application.builder().token(tg.token)
           .base_url(tg.base_url).base_file_url(tg.base_file_url).build())
    tg.push_text(chat_id=42, user=42, text="hello")
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from tests.fakes._server import Call, Recorder, ServerThread, json_response
from tests.fakes.ratelimit import FloodGate
from tests.fakes.telegram_methods import METHODS, ApiError, Files
from tests.fakes.telegram_objects import BotMessage, TgUser
from tests.fakes.telegram_push import TelegramPushes
from tests.fakes.telegram_world import TelegramWorld

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application, ApplicationBuilder

T = TypeVar("T")

# Parameters whose values are plain strings; PTB JSON-encodes everything else.
TEXT_PARAMS = {
    "text", "caption", "parse_mode", "callback_query_id", "action", "url", "secret_token",
    "file_id", "language_code", "inline_message_id", "business_connection_id", "emoji",
    "title", "description", "short_description", "name", "question", "explanation",
}  # fmt: skip
SEND_METHODS = {
    "sendmessage", "senddocument", "sendphoto", "sendaudio", "sendvideo", "sendvoice",
    "sendanimation", "sendsticker", "sendvideonote", "sendmediagroup", "sendlocation",
    "sendvenue", "sendcontact", "sendpoll", "senddice", "copymessage", "forwardmessage",
}  # fmt: skip
NOT_FOUND = "Not Found: method not found"


def decode_params(form: dict[str, str]) -> dict[str, Any]:
    """PTB posts each parameter JSON-encoded, except plain strings; undo that."""
    params: dict[str, Any] = {}
    for key, raw in form.items():
        if key in TEXT_PARAMS:
            params[key] = raw
            continue
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


class FakeTelegram(TelegramPushes):
    """The Bot API on loopback: long polling, sends, edits, callbacks, files and flood control."""

    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "storyloom_test_bot"):
        self.token = token
        self.recorder = Recorder()
        self.world = TelegramWorld(token, bot_username)
        self.gate = FloodGate()
        self.max_poll_timeout = 50.0
        # a send's round trip: half before Telegram accepts it, half for the answer to come back
        self.send_round_trip_s = 0.0
        self.sends_in_flight = 0  # sends asked for whose answer has not gone back yet
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._server = ServerThread(app, "fake-telegram")
        self._poll_gen = 0
        self._stopping = False
        self._update_event: asyncio.Event | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Start serving on an ephemeral port."""
        self._server.start(on_stop=self._release_pollers)
        self._server.run(self._make_event())
        return self

    def stop(self) -> None:
        """Release held long polls and stop serving."""
        self._stopping = True
        self._server.stop()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder.base_url (PTB appends the token)."""
        return f"http://127.0.0.1:{self._server.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder.base_file_url."""
        return f"http://127.0.0.1:{self._server.port}/file/bot"

    def application_builder(self) -> ApplicationBuilder:
        """A PTB ApplicationBuilder already pointed at this fake (token and both URLs)."""
        from telegram.ext import Application

        return (
            Application.builder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    def bot(self) -> Bot:
        """A bare telegram.Bot pointed at this fake (use `async with` to initialize it)."""
        from telegram import Bot

        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url)

    @contextlib.asynccontextmanager
    async def polling(self, app: Application, poll_timeout: int = 1) -> AsyncIterator[Application]:
        """Initialize, start and long-poll a PTB Application; stop it cleanly on exit."""
        async with app:
            await app.start()
            assert app.updater is not None, "build the Application with an Updater"
            await app.updater.start_polling(timeout=poll_timeout, poll_interval=0)
            try:
                yield app
            finally:
                await app.updater.stop()
                await app.stop()

    async def _make_event(self) -> None:
        self._update_event = asyncio.Event()

    async def _release_pollers(self) -> None:
        self._stopping = True
        self._wake_pollers()

    def _wake_pollers(self) -> None:
        if self._update_event is not None:
            self._update_event.set()
            self._update_event = asyncio.Event()

    def _updates_changed(self) -> None:
        self.recorder.changed()
        self._server.call_soon(self._wake_pollers)

    # -- HTTP ---------------------------------------------------------------------------------

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], Files]:
        form: dict[str, str] = dict(request.query)
        files: Files = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                form.update(
                    {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
                )
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = (value.filename, value.content_type, value.file.read())
                    else:
                        form[key] = str(value)
        return decode_params(form), files

    async def _handle_method(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.recorder.record(Call(method, {}, 401, at, path=request.path))
            return json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        retry_after = None
        params: dict[str, Any] = {}
        files: Files = {}
        try:
            params, files = await self._read(request)
            result = await self._dispatch(method, params, files, at)
            status, body = 200, {"ok": True, "result": result}
        except asyncio.CancelledError:
            # The client hung up (PTB cancels its long poll on stop); nginx's 499, for the log.
            self.recorder.record(Call(method, params, 499, at, None, request.path))
            raise
        except ApiError as err:
            status, body = err.code, err.body()
            retry_after = (err.parameters or {}).get("retry_after")
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            # Garbage parameters get a Bot API 400, never a 500 from the fake.
            err_400 = ApiError(400, f"Bad Request: invalid parameters ({type(err).__name__})")
            status, body = err_400.code, err_400.body()
        uploads = {name: part[2] for name, part in files.items()}
        self.recorder.record(Call(method, params, status, at, retry_after, request.path, uploads))
        return json_response(body, status)

    async def _dispatch(self, method: str, params: dict, files: Files, at: float) -> Any:
        name = method.lower()
        if name == "getupdates":
            return await self._get_updates(params)
        handler = METHODS.get(name)
        if handler is None:
            raise ApiError(404, NOT_FOUND)
        if name in SEND_METHODS:
            self._check_flood(method, params, at)
        half = self.send_round_trip_s / 2 if name in SEND_METHODS else 0.0
        self.sends_in_flight += name in SEND_METHODS
        try:
            if half:
                await asyncio.sleep(half)
            with self.recorder.lock:
                try:
                    result = copy.deepcopy(handler(self.world, params, files))
                finally:
                    self.recorder.changed()
            if half:
                await asyncio.sleep(half)
            return result
        finally:
            self.sends_in_flight -= name in SEND_METHODS

    def _check_flood(self, method: str, params: dict, at: float) -> None:
        limited = self.gate.check(method, str(params.get("chat_id")), at, window_key="send")
        if limited is not None:
            # Telegram sends whole seconds; a test may script a fraction to stay fast.
            wait = limited.retry_after
            if not limited.scripted:
                wait = max(1, math.ceil(wait - 1e-9))
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    async def _get_updates(self, params: dict) -> list[dict]:
        if self.world.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_gen += 1
        generation = self._poll_gen
        self._wake_pollers()
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(float(params.get("timeout") or 0), self.max_poll_timeout)
        deadline = time.monotonic() + timeout
        with self.recorder.lock:
            self.world.confirm(params.get("offset"))
        while True:
            with self.recorder.lock:
                batch = copy.deepcopy(self.world.pending(limit, params.get("allowed_updates")))
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._stopping:
                return batch
            if generation != self._poll_gen:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            event = self._update_event
            assert event is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        self.recorder.record(Call("", {}, 404, time.monotonic(), None, request.path))
        return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        with self.recorder.lock:
            match = [f for f in self.world.files.values() if f.file_path == path]
        self.recorder.record(Call("file", {"path": path}, 200 if match else 404, time.monotonic()))
        if not match:
            return web.Response(status=404, text="Not Found")
        return web.Response(
            body=match[0].data, content_type=match[0].mime_type or "application/octet-stream"
        )

    # -- flood control ------------------------------------------------------------------------

    def fail_next(
        self, method: str = "sendMessage", count: int = 1, retry_after: float = 1
    ) -> None:
        """Answer the next `count` calls of `method` with 429 "retry after N"."""
        self.gate.fail_next(method, count, retry_after)

    def set_flood_limits(
        self,
        per_chat: int | None = 1,
        per_chat_seconds: float = 1.0,
        global_per_second: int | None = 30,
        retry_after: int | None = None,
    ) -> None:
        """Enforce Telegram's send limits (default 1 msg/s per chat, 30 msg/s overall)."""
        if per_chat is not None:
            self.gate.limit_per_key("send", per_chat, per_chat_seconds, retry_after)
        if global_per_second is not None:
            self.gate.limit_global(global_per_second, 1.0, retry_after)

    def clear_flood_limits(self) -> None:
        """Stop answering 429."""
        self.gate.clear()

    # -- inspection ---------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request answered (optionally one method), with params, status and time."""
        return self.recorder.calls(method)

    def sent(self, chat_id: int | None = None, include_deleted: bool = False) -> list[BotMessage]:
        """Snapshots of messages the bot sent (to one chat), oldest first."""
        with self.recorder.lock:
            return [
                copy.deepcopy(m)
                for m in self.world.bot_messages
                if (chat_id is None or m.chat_id == chat_id) and (include_deleted or not m.deleted)
            ]

    def callback_answers(self) -> list[dict[str, Any]]:
        """Answered callback queries: id, the answer's params and seconds from push to answer."""
        with self.recorder.lock:
            return [
                {"id": qid, "answer": q["answer"], "delay": q["answered_at"] - q["pushed_at"]}
                for qid, q in self.world.callbacks.items()
                if q["answered_at"] is not None
            ]

    def chat_actions(self, chat_id: int | None = None) -> list[str]:
        """Chat actions (typing, upload_document, ...) the bot sent, oldest first."""
        with self.recorder.lock:
            return [a for c, a, _ in self.world.chat_actions if chat_id is None or c == chat_id]

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The command list set by setMyCommands for a scope (default scope if None)."""
        key = self.world.scope_key({"scope": scope, "language_code": language_code})
        with self.recorder.lock:
            return copy.deepcopy(self.world.commands.get(key, []))

    def webhook(self) -> dict[str, Any] | None:
        """The active webhook's parameters, or None."""
        with self.recorder.lock:
            return copy.deepcopy(self.world.webhook)

    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        with self.recorder.lock:
            return len(self.world.updates)

    def block(self, chat_id: int) -> None:
        """From now on sends to this chat fail with 403 "bot was blocked by the user"."""
        with self.recorder.lock:
            self.world.blocked.add(chat_id)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Await predicate() truthy (e.g. lambda: tg.sent(42)) and return its value."""
        return await self.recorder.wait_for(predicate, timeout)

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Blocking variant of wait_for, for tests whose bot runs in another thread."""
        return self.recorder.wait_for_sync(predicate, timeout)

    async def wait_for_sent(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[BotMessage]:
        """Await until the bot has sent at least `count` messages to the chat; return them."""

        def enough() -> list[BotMessage]:
            messages = self.sent(chat_id)
            return messages if len(messages) >= count else []

        return await self.wait_for(enough, timeout)


__all__ = ["FakeTelegram", "TgUser"]
