"""`storyloom chat` and `storyloom demo`: the terminal adapter on local services.

The JSON-lines output of ``demo --json`` is a stable interface (see README):
``{"type": "reply"|"notice", "text"}``, ``{"type": "installment", "text",
"tone", "number", "installment_id", "request_id", "stats"}`` and, last,
``{"type": "profile", "profile": {...}}``.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bot.local import LocalServices, prepare_model
from bot.terminal import Output, TerminalSession, user_key
from worker.commands import CommandContext
from worker.profile_view import profile_json
from worker.settings import Settings

BANNER = (
    "storyloom: tell me about your life, and I'll weave it into a story.\n"
    "Type /help for commands, /story for the next installment, Ctrl-D to leave."
)
BAD_LINE = ("Part of that line was not valid UTF-8 text; I replaced what I couldn't read "
            "with \N{REPLACEMENT CHARACTER}.")


def _say_err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def output_json(out: Output) -> dict[str, Any]:
    """The JSON object one output becomes in `demo --json`."""
    d = out.delivery
    if out.kind == "installment" and d is not None:
        return {"type": "installment", "text": out.text, "tone": d.tone,
                "installment_id": d.installment_id, "request_id": d.in_reply_to}
    return {"type": out.kind, "text": out.text}


def _print_text(out: Output) -> None:
    if out.kind == "installment":
        tone = out.delivery.tone if out.delivery else ""
        print(f"\n~~ your story ({tone}) ~~\n{textwrap.fill(out.text, 78)}\n", flush=True)
    else:
        print(f"storyloom> {out.text}", flush=True)


def _emit_json(out: Output) -> None:
    print(json.dumps(output_json(out), ensure_ascii=False), flush=True)


def _session(services: LocalServices, settings: Settings, user: str,
             emit: Callable[[Output], None]) -> TerminalSession:
    from worker.store import Store

    assert services.client is not None
    store = Store.from_settings(settings, services.client)
    ctx = CommandContext(settings=settings, store=store, redis=services.client)
    # wait as long as a job may take, so a slow machine delays but never drops a reply
    wait = settings.storyloom_job_timeout + settings.storyloom_nlu_wait_seconds + 30
    return TerminalSession(ctx=ctx, user=user_key(user), emit=emit, wait_s=wait)


def run_chat(settings: Settings, user: str) -> int:
    """An interactive conversation in the terminal."""
    prepare_model(settings, _say_err)
    with LocalServices(settings) as services:
        session = _session(services, settings, user, _print_text)
        print(BANNER, flush=True)
        session.drain()
        while True:
            try:
                line = input("you> ")
            except EOFError:
                print()
                break
            session.say(line)
    return 0


def script_lines(path: Path) -> Iterator[tuple[str, bool]]:
    """(line, was valid UTF-8) for each non-empty line of a script file."""
    with path.open("rb") as handle:
        for raw in handle:
            raw = raw.rstrip(b"\r\n")
            if not raw:
                continue
            try:
                yield raw.decode("utf-8"), True
            except UnicodeDecodeError:
                yield raw.decode("utf-8", errors="replace"), False


def run_demo(settings: Settings, script: Path, user: str, as_json: bool) -> int:
    """Replay a conversation from a file, non-interactively."""
    if not script.is_file():
        _say_err(f"storyloom demo: no such script file: {script}")
        return 2
    emit = _emit_json if as_json else _print_text
    prepare_model(settings, _say_err)
    with LocalServices(settings) as services:
        session = _session(services, settings, user, emit)
        session.drain()
        for line, valid in script_lines(script):
            if not as_json:
                print(f"you> {line}", flush=True)
            if not valid:
                emit(Output("notice", BAD_LINE))
            session.say(line)
        profile = session.ctx.store.get_profile(session.user)
        if as_json:
            print(json.dumps({"type": "profile", "profile": profile_json(profile)},
                             ensure_ascii=False), flush=True)
    return 0
