"""The terminal adapter: the first face of storyloom, shaped like the others.

A line the user types becomes a Turn (through the same intake every adapter
uses) or a command; deliveries are read back from the user's delivery stream,
shown, and acknowledged by moving the adapter's cursor. While an installment
is written, a session with ``stream`` on also shows the leading draft as it
grows (read from the request's progress stream), then the chosen final text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from worker.conversation.commands import CommandContext, dispatch, parse
from worker.conversation.corrections import correct_from_text
from worker.conversation.intake import receive_text
from worker.conversation.voice.intake import receive_voice, refusal
from worker.ops.metrics import DELIVERIES
from worker.store.records import Delivery, Installment, new_id

PLATFORM = "local"
REPLY_WAIT_S = 120.0
# `/voice keep|fix|drop|recordings` are commands; anything else after /voice is a file
VOICE_WORDS = ("keep", "fix", "drop", "recordings")
# Generation on a busy CPU can take minutes; an installment is waited for longer.
STORY_WAIT_S = 1800.0


def user_key(name: str) -> str:
    """The user key of a terminal user (a bare NAME means local:NAME)."""
    return name if ":" in name else f"{PLATFORM}:{name}"


@dataclass(frozen=True)
class Output:
    """One thing shown to the user: what kind it is, its text and details."""

    kind: str
    text: str
    delivery: Delivery | None = None
    installment: Installment | None = None


@dataclass
class TerminalSession:
    """One user's conversation in a terminal (interactive or scripted)."""

    ctx: CommandContext
    user: str
    emit: Callable[[Output], None]
    wait_s: float = REPLY_WAIT_S
    story_wait_s: float = STORY_WAIT_S
    stream: bool = False
    # where a demo script's `/voice FILE` looks first (the script's folder)
    base_dir: Path | None = None
    # True once the workers that answer have stopped for good: stop waiting for them
    stalled: Callable[[], bool] | None = None

    def _stalled(self) -> bool:
        return self.stalled is not None and self.stalled()

    def _show(self, delivery: Delivery) -> None:
        installment = None
        if delivery.kind == "installment" and delivery.installment_id:
            installment = self.ctx.store.get_installment(self.user, delivery.installment_id)
        self.emit(Output(delivery.kind, delivery.text, delivery, installment))

    def _show_ready(self, until: str | None, block_ms: int) -> bool:
        """Show deliveries waiting (up to block_ms); True when `until`'s reply was among them."""
        store, found = self.ctx.store, False
        for entry_id, delivery in store.read_deliveries(self.user, PLATFORM, block_ms):
            self._show(delivery)
            store.mark_delivered(self.user, PLATFORM, entry_id)
            DELIVERIES.labels(platform=PLATFORM, kind=delivery.kind, outcome="sent").inc()
            found = found or (until is not None and delivery.in_reply_to == until)
        return found

    def drain(self, until: str | None = None, block_ms: int = 200,
              wait_s: float | None = None) -> bool:
        """Show queued deliveries; with `until`, wait for the reply to that turn or request."""
        deadline = time.monotonic() + (self.wait_s if wait_s is None else wait_s)
        while True:
            found = self._show_ready(until, block_ms)
            if until is None or found:
                return True
            if time.monotonic() > deadline or self._stalled():
                return False

    def follow(self, request_id: str) -> bool:
        """Show an installment being written, then its delivery; False if it did not come."""
        if not self.stream:
            return self.drain(until=request_id, wait_s=self.story_wait_s)
        store = self.ctx.store
        deadline = time.monotonic() + self.story_wait_s
        after = "0-0"
        while time.monotonic() < deadline:
            for entry_id, progress in store.read_progress(self.user, request_id, after, 150):
                after = entry_id
                self.emit(Output("progress", progress.text))
            if self._show_ready(request_id, 10):
                return True
            if self._stalled():
                return False
        return False

    def _audio_file(self, name: str) -> Path | None:
        path = Path(name).expanduser()
        if not path.is_absolute() and self.base_dir is not None and \
                (self.base_dir / path).is_file():
            return self.base_dir / path
        return path if path.is_file() else None

    def voice(self, name: str) -> None:
        """`/voice FILE`: replay an audio file (ogg/opus, wav, mp3...) as a voice note."""
        path = self._audio_file(name)
        if path is None:
            self.emit(Output("notice", f"There is no audio file called {name}."))
            return
        refused = refusal(self.ctx.settings, path.stat().st_size, None)
        if refused is not None:
            self.emit(Output("reply", refused))
            return
        receipt = receive_voice(self.ctx.store, self.ctx.redis, self.ctx.settings,
                                user=self.user, platform=PLATFORM, chat_id=self.user,
                                data=path.read_bytes(), turn_id=new_id(), source=path.name)
        self.emit(Output("reply", receipt.text))
        if receipt.voice_id and not self.drain(until=receipt.voice_id,
                                               wait_s=self.story_wait_s):
            self.emit(Output("notice", "Still listening; the transcript will appear here."))

    def say(self, line: str | bytes) -> None:
        """Handle one line: a command or something the user tells about their life."""
        text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
        parsed = parse(text)
        if parsed is not None and parsed[0] == "voice" and parsed[1] and \
                parsed[1].split()[0].lower() not in VOICE_WORDS:
            self.voice(parsed[1])
            return
        if parsed is not None:
            result = dispatch(self.ctx, self.user, *parsed)
            self.emit(Output("reply", result.text))
            if result.request_id and not self.follow(result.request_id):
                self.emit(Output("notice", "That's taking longer than usual; your "
                                 "installment will appear here when it is ready."))
            return
        corrected = correct_from_text(self.ctx, self.user, text)
        if corrected is not None:
            self.emit(Output("reply", corrected[0].text))
            if not corrected[1]:
                return
        intake = receive_text(self.ctx.store, self.ctx.settings, user=self.user,
                              platform=PLATFORM, chat_id=self.user, text=text)
        if intake.notice:
            self.emit(Output("notice", intake.notice))
        turn = intake.turn
        if turn is not None and not intake.duplicate and not self.drain(until=turn.turn_id):
            self.emit(Output("notice", "I'm a little slow right now, but I kept what you said."))
