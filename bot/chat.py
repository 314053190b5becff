"""`storyloom chat` and `storyloom demo`: the terminal adapter on local services.

The JSON-lines output of ``demo --json`` is a stable interface (see README):
``{"type": "reply"|"notice", "text"}``, ``{"type": "installment", "text",
"tone", "installment_id", "request_id", ...story fields}`` and, last,
``{"type": "profile", "profile": {...}}``. Fields are only ever added.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bot.local import LEARNING_ROLES, LocalServices, prepare_model
from bot.terminal import Output, TerminalSession, user_key
from worker.conversation.commands import CommandContext
from worker.profile.view import profile_json
from worker.settings import Settings

BANNER = (
    "storyloom: tell me about your life, and I'll weave it into a story.\n"
    "Type /help for commands, /story for the next installment, /quit (or Ctrl-D) to leave."
)
# what ends a terminal conversation (everything told is already stored)
LEAVE = ("/quit", "/exit")
BAD_LINE = ("Part of that line was not valid UTF-8 text; I replaced what I couldn't read "
            "with \N{REPLACEMENT CHARACTER}.")


def _say_err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def output_json(out: Output) -> dict[str, Any]:
    """The JSON object one output becomes in `demo --json`."""
    d = out.delivery
    if out.kind == "installment" and d is not None:
        data: dict[str, Any] = {"type": "installment", "text": out.text, "tone": d.tone,
                                "installment_id": d.installment_id, "request_id": d.in_reply_to}
        inst = out.installment
        if inst is not None:
            data.update({
                "number": inst.number, "kind": inst.kind, "chapter": inst.chapter,
                "pov": inst.pov, "tone_target": inst.tone_target,
                "tone_override": inst.tone_override, "replaces": inst.replaces,
                "drafts": inst.drafts, "repaired": inst.repaired,
                "scores": inst.scores.model_dump(mode="json") if inst.scores else None,
                "turn_ids": list(inst.turn_ids),
                "sentences": [{"text": s.text, "sources": list(s.sources)}
                              for s in inst.sentences],
            })
        return data
    if out.kind == "transcript" and d is not None:
        return {"type": "transcript", "text": out.text, "voice_id": d.voice_id}
    return {"type": out.kind, "text": out.text}


class LivePrinter:
    """Prints to a terminal: the draft being written as it grows, then the chosen text."""

    def __init__(self) -> None:
        self.shown = ""

    def __call__(self, out: Output) -> None:
        if out.kind == "progress":
            self._progress(out.text)
            return
        if self.shown:
            print("\n", flush=True)
            self.shown = ""
        if out.kind == "installment":
            tone = out.delivery.tone if out.delivery else ""
            print(f"~~ your story ({tone}) ~~\n{textwrap.fill(out.text, 78)}\n", flush=True)
        else:
            _print_text(out)

    def _progress(self, text: str) -> None:
        if not self.shown:
            print("(writing, several versions at once; the one leading so far:)", flush=True)
        elif not text.startswith(self.shown):
            print("\n(another version took the lead:)", flush=True)
            self.shown = ""
        print(text[len(self.shown):], end="", flush=True)
        self.shown = text


def _print_text(out: Output) -> None:
    if out.kind == "installment":
        tone = out.delivery.tone if out.delivery else ""
        print(f"\n~~ your story ({tone}) ~~\n{textwrap.fill(out.text, 78)}\n", flush=True)
    elif out.kind == "transcript":
        print(f"storyloom heard> \u201c{out.text}\u201d\n(/voice keep, /voice fix <your words>"
              " or /voice drop)", flush=True)
    elif out.kind != "progress":
        print(f"storyloom> {out.text}", flush=True)


def _emit_json(out: Output) -> None:
    print(json.dumps(output_json(out), ensure_ascii=False), flush=True)


def _session(services: LocalServices, settings: Settings, user: str,
             emit: Callable[[Output], None], stream: bool = False) -> TerminalSession:
    from worker.store.store import Store

    assert services.client is not None
    store = Store.from_settings(settings, services.client)
    ctx = CommandContext(settings=settings, store=store, redis=services.client)
    # wait as long as a job may take, so a slow machine delays but never drops a reply
    wait = settings.storyloom_job_timeout + settings.storyloom_nlu_wait_seconds + 30
    # the person at the terminal starts (or starts again, after a forget) by opening it
    store.revive_user(user_key(user))
    return TerminalSession(ctx=ctx, user=user_key(user), emit=emit, wait_s=wait, stream=stream,
                           stalled=services.given_up)


def run_chat(settings: Settings, user: str) -> int:
    """An interactive conversation in the terminal."""
    prepare_model(settings, _say_err)
    with LocalServices(settings, roles=LEARNING_ROLES) as services:
        session = _session(services, settings, user, LivePrinter(), stream=True)
        print(BANNER, flush=True)
        session.drain()
        while True:
            try:
                line = input("you> ")
            except EOFError:
                print()
                break
            if line.strip().lower() in LEAVE:
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
        session.base_dir = script.resolve().parent
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
        if services.given_up():
            return 1
    return 0
