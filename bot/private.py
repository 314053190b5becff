"""A private conversation on any chat platform: consent first, then the story.

Nothing a person writes is stored before they agree (/start, then the button or
/agree). After that every message becomes a turn through ``worker.conversation.intake`` and
every registered chat command works through ``worker.conversation.commands.dispatch``; this
module adds the platform-side rights: /forget (after a confirmation), /export
(as files) and /share on|off (private memories in community stories).
Adapters call these methods from a worker thread; they only return replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.buttons import (
    Press,
    Rows,
    consent_buttons,
    crisis_buttons,
    decode,
    forget_buttons,
    installment_buttons,
    tone_buttons,
)
from bot.choices import book_files, versions_keyboard, versions_menu
from bot.inbound import Inbound
from bot.photos import caption_of, take_photos
from bot.text import is_handled_language
from worker.community.weave import shareable_memories
from worker.conversation.commands import HELP, CommandContext, dispatch
from worker.conversation.corrections import correct_from_text
from worker.conversation.intake import clean_text, receive_text
from worker.conversation.photos import caption_waiting
from worker.conversation.voice.intake import await_fix, drop_voice, keep_voice, receive_voice
from worker.counsel.rights import ExportFile, export_user, forget_user
from worker.store.records import Attachment, Feedback, new_id
from worker.store.store import Store
from worker.story.versions import choose

logger = logging.getLogger(__name__)

EXPLAIN = (
    "Hello! I'm storyloom. Tell me about your life: the people, the places and the moments "
    "that matter, and how they felt. I'll weave them into your story, one installment at a "
    "time (send /story when you want the next one).\n\n"
    "What I keep: the messages you send me, what I understand from them (people, places, "
    "events, feelings) and the story I write. They are used only to write your story. I never "
    "show them to anyone else, and never use them in a group story unless you allow it with "
    "/share on. /export gives you a copy of everything; /forget deletes everything.\n\n"
    "Before I keep anything: do you agree?"
)
ASK_FIRST = ("Before I keep anything you tell me, I need your OK. Read what I keep and agree "
             "with the button, or send /agree.")
AGREED = ("Thank you! Now tell me about a person, a place or a moment from your life. "
          "Send /help to see everything I can do.")
NOT_NOW = "All right: I keep nothing. Send /start whenever you change your mind."
WELCOME_BACK = "Welcome back! Tell me more about your life, or send /story for the next part."
FORGET_ASK = ("This deletes everything I keep about you: your messages, your profile and your "
              "story. It cannot be undone. Are you sure?")
FORGOTTEN = "Done: I deleted everything I kept about you. Send /start to begin again."
NOT_FORGOTTEN = "Nothing was deleted."
EXPORTED = "Here is everything I keep about you."
OTHER_LANGUAGE = ("I kept your message, but I only understand English well for now, so I may "
                  "miss the people and places in it. If you can, tell me in English too.")
MEDIA = {
    "sticker": "Stickers are lovely, but I can only read words. What does it mean to you?",
    "voice": "I couldn't get that voice note. Could you send it again?",
    "document": "I can't read files yet. Could you tell me about it in a message?",
    "photo": ("What a photo! Tell me about it in a caption: who is in it, and where was it "
              "taken?"),
    "forward": ("That's a forwarded message, so the words are someone else's: I only keep "
                "what you tell me yourself. Why does it matter to you?"),
    "other": ("I can read messages and listen to voice notes, but not this. Tell me about "
              "your life in words, or in a voice note?"),
}
ADAPTER_COMMANDS = {
    "start": "/start: what I do and what I keep",
    "agree": "/agree: agree that I keep your story",
    "share": "/share on|off|preview: let group stories use what you told me (off by "
             "default); preview shows what they would use",
    "export": "/export: a copy of everything I keep about you",
    "forget": "/forget: delete everything I keep about you",
}
SHARE_ON = ("Sharing is on: when you write in a group story, I may weave in memories you told "
            "me here. /share off stops it.")
SHARE_OFF = "Sharing is off: nothing you tell me here appears in a group story."
SHARE_NOTHING = ("Nothing you told me here would be shared now (memories from messages you kept "
                 "out with /notrain, or that worried me, are never shared).")
TRANSCRIPT = ("Here is what I heard:\n\n“{text}”\n\nShall I keep it as you said it? Or "
              "correct it, or drop it.")
Edit = Literal["none", "message", "keyboard"]


@dataclass(frozen=True)
class Reply:
    """Something to show: a message (with buttons or files), or a change to the pressed one."""

    text: str = ""
    buttons: Rows = ()
    files: tuple[ExportFile, ...] = ()
    request_id: str | None = None
    edit: Edit = "none"
    toast: str | None = None
    # The message carries this vote's buttons (the adapter records where it went).
    vote_id: str | None = None


def share_preview(store: Store, user: str) -> str:
    """Exactly what a group story may weave in from the user's private chat."""
    memories = shareable_memories(store, user)
    if not memories:
        return SHARE_NOTHING
    state = "on" if store.shares_with_community(user) else "off (/share on allows it)"
    lines = [f"With sharing {state}, a group story you write in may use:"]
    lines += [f"- {m}" for m in memories]
    lines.append("Messages you kept out with /notrain, or that worried me, are never shared.")
    return "\n".join(lines)


def menu() -> list[tuple[str, str]]:
    """(command, description) for a platform's command menu: every registered command."""
    lines = {**ADAPTER_COMMANDS, **{k: v for k, v in HELP.items() if k not in ADAPTER_COMMANDS}}
    return [(name, line.split(": ", 1)[-1]) for name, line in lines.items()]


def help_text() -> str:
    """Every command, registered ones and the platform's own."""
    lines = ["Tell me about your life: people, places, moments, how they felt.", ""]
    lines += [line for name, line in HELP.items() if name not in ADAPTER_COMMANDS]
    lines += list(ADAPTER_COMMANDS.values())
    return "\n".join(lines)


class PrivateChat:
    """One platform's private conversations: consent, messages, commands, buttons."""

    def __init__(self, ctx: CommandContext, platform: str) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.platform = platform

    def handle(self, inbound: Inbound) -> list[Reply]:
        """The replies to one private update (blocking: call it from a worker thread)."""
        user = inbound.user
        if inbound.kind == "command" and inbound.command:
            return self.command(user, inbound.command, inbound.args, inbound.name)
        if inbound.kind == "press":
            return self.press(user, inbound.data or "")
        if inbound.kind == "edit" and inbound.turn_id:
            return self.edit(user, inbound.chat_id, inbound.turn_id, inbound.text, inbound.at)
        if inbound.kind == "photo":
            return self.photo(inbound)
        if inbound.kind == "text":
            return self.text(user, inbound.chat_id, inbound.text, turn_id=inbound.turn_id)
        if inbound.kind == "voice":
            return self.voice(inbound)
        return self.media(user, inbound.kind)

    def consented(self, user: str) -> bool:
        """True once the user agreed that storyloom keeps their story."""
        return self.store.get_consent(user) is not None

    def start(self, user: str) -> list[Reply]:
        """Explain and ask for consent (or welcome back someone who agreed)."""
        if self.consented(user):
            return [Reply(WELCOME_BACK)]
        return [Reply(EXPLAIN, buttons=consent_buttons())]

    def agree(self, user: str, at: datetime | None = None) -> list[Reply]:
        """Record consent."""
        self.store.give_consent(user, self.platform, at)
        logger.info("user %s gave consent", user)
        return [Reply(AGREED)]

    def command(self, user: str, name: str, args: str, who: str = "") -> list[Reply]:
        """Any command: the platform's own, or one registered in worker.conversation.commands."""
        if name == "start":
            return self.start(user)
        if name == "agree":
            return self.agree(user)
        if name == "help":
            return [Reply(help_text())]
        if name == "forget":  # a right that needs no consent (a group member's words, too)
            return [Reply(FORGET_ASK, buttons=forget_buttons())]
        if not self.consented(user):
            return [Reply(ASK_FIRST, buttons=consent_buttons())]
        if name == "export":
            return [Reply(EXPORTED, files=tuple(export_user(self.store, user)))]
        if name == "share":
            return [self._share(user, args)]
        if name == "book":
            text, files = book_files(self.ctx, user, args, who)
            return [Reply(text, files=files)]
        result = dispatch(self.ctx, user, name, args)
        buttons = versions_keyboard(self.ctx, user, args) if name == "versions" else ()
        return [Reply(result.text, request_id=result.request_id, buttons=buttons)]

    def _share(self, user: str, args: str) -> Reply:
        choice = args.strip().lower()
        if choice == "preview":
            return Reply(share_preview(self.store, user))
        if choice not in ("on", "off"):
            now = self.store.shares_with_community(user)
            return Reply(f"Send /share on or /share off (/share preview shows what would be "
                         f"shared). Now: {'on' if now else 'off'}.")
        self.store.set_community_sharing(user, choice == "on")
        return Reply(SHARE_ON if choice == "on" else SHARE_OFF)

    def text(self, user: str, chat_id: str, text: str, turn_id: str | None = None,
             at: datetime | None = None, attachments: tuple[Attachment, ...] = ()) -> list[Reply]:
        """Something the user tells: stored as a turn once they agreed; the reply follows."""
        if not self.consented(user):
            return [Reply(ASK_FIRST, buttons=consent_buttons())]
        if self.store.voice_fixing(user) and not text.lstrip().startswith("/"):
            said, _ = keep_voice(self.store, self.ctx.settings, user,
                                 self.store.voice_fixing(user), correction=text)
            return [Reply(said)]
        replies: list[Reply] = []
        if not attachments:
            corrected = correct_from_text(self.ctx, user, text)
            if corrected is not None:
                answer, keep = corrected
                replies.append(Reply(answer.text))
                if not keep:
                    return replies
            turn_id = turn_id or new_id()
            waiting = caption_waiting(self.store, user, turn_id, clean_text(text), at)
            if waiting is not None:
                attachments = (Attachment(kind="photo", platform_ref=waiting.platform_ref,
                                          caption=waiting.caption, photo_id=waiting.photo_id),)
        intake = receive_text(self.store, self.ctx.settings, user=user, platform=self.platform,
                              chat_id=chat_id, text=text, turn_id=turn_id, at=at,
                              attachments=attachments)
        replies += [Reply(intake.notice)] if intake.notice else []
        if intake.turn is not None and not intake.duplicate and not is_handled_language(text):
            replies.append(Reply(OTHER_LANGUAGE))
        return replies

    def edit(self, user: str, chat_id: str, turn_id: str, text: str,
             at: datetime) -> list[Reply]:
        """An edited message: its turn gets the new text (and NLU redoes what it derived)."""
        if not self.consented(user):
            return []
        cleaned = clean_text(text)
        limit = self.ctx.settings.storyloom_max_message_chars
        if not cleaned:
            return []
        revised = self.store.revise_turn(user, turn_id, cleaned[:limit], at,
                                         truncated=len(cleaned) > limit)
        if revised is None:
            return self.text(user, chat_id, text, turn_id=turn_id, at=at)
        return []

    def photo(self, inbound: Inbound) -> list[Reply]:
        """Photos (with or without a caption): kept sealed; the caption becomes a turn."""
        if not self.consented(inbound.user):
            return [Reply(ASK_FIRST, buttons=consent_buttons())]
        taken = take_photos(self.ctx, self.platform, inbound)
        replies = [Reply(notice) for notice in taken.notices]
        if caption_of(inbound) is not None:
            replies += self.text(inbound.user, inbound.chat_id, inbound.text,
                                 turn_id=inbound.turn_id, at=inbound.at,
                                 attachments=taken.attachments)
        return replies

    def voice(self, inbound: Inbound) -> list[Reply]:
        """A voice note or audio file: heard on the transcribe queue, shown before it is kept."""
        if not self.consented(inbound.user):
            return [Reply(ASK_FIRST, buttons=consent_buttons())]
        ref = inbound.attachments[0].platform_ref if inbound.attachments else ""
        receipt = receive_voice(
            self.store, self.ctx.redis, self.ctx.settings, user=inbound.user,
            platform=self.platform, chat_id=inbound.chat_id, data=inbound.audio,
            turn_id=inbound.turn_id or f"voice-{inbound.message_id}", source=ref,
            seconds=inbound.audio_seconds)
        return [Reply(receipt.text, request_id=receipt.voice_id)]

    def media(self, user: str, kind: str) -> list[Reply]:
        """Something storyloom cannot read (sticker, voice note, file, forward): say so."""
        if not self.consented(user):
            return [Reply(ASK_FIRST, buttons=consent_buttons())]
        return [Reply(MEDIA.get(kind, MEDIA["other"]))]

    def press(self, user: str, data: str) -> list[Reply]:
        """A button under one of storyloom's messages."""
        pressed = decode(data)
        if pressed is None:
            return [Reply(toast="That button no longer works.")]
        if pressed.family == "consent":
            if pressed.action == "yes":
                self.agree(user)
                return [Reply(AGREED, edit="message")]
            return [Reply(NOT_NOW, edit="message")]
        if pressed.family == "forget":
            if pressed.action != "yes":
                return [Reply(NOT_FORGOTTEN, edit="message")]
            forget_user(self.store, user, self.ctx.settings)
            return [Reply(FORGOTTEN, edit="message")]
        if not self.consented(user):
            return [Reply(toast="Send /start first.")]
        if pressed.family == "fb" and pressed.action == "versions":
            note, rows = versions_menu(self.ctx, user, pressed.target)
            return [Reply(toast=note)] if note else [Reply(buttons=rows, edit="keyboard")]
        if pressed.family == "fb":
            return self._feedback(user, pressed)
        if pressed.family == "ver":
            result = choose(self.ctx, user, pressed.target)
            return [Reply(toast="Done."), Reply(result.text)]
        if pressed.family == "voice":
            return self._voice_press(user, pressed)
        if pressed.family == "safe":
            return self._safety_press(user, pressed)
        return [Reply(toast="That button doesn't belong here.")]

    def _safety_press(self, user: str, pressed: Press) -> list[Reply]:
        """Under a crisis reply: go on with the story (the user's word), or see the lines."""
        if pressed.action == "lines":
            return [Reply(dispatch(self.ctx, user, "helplines", "").text)]
        result = dispatch(self.ctx, user, "resume", "")
        # the lines stay one tap away after the story goes on
        return [Reply(toast="Thank you."),
                Reply(result.text, buttons=crisis_buttons(resumable=False))]

    def _voice_press(self, user: str, pressed: Press) -> list[Reply]:
        if pressed.action == "keep":
            said, _ = keep_voice(self.store, self.ctx.settings, user, pressed.target)
        elif pressed.action == "drop":
            said = drop_voice(self.store, user, pressed.target)
        else:
            return [Reply(toast="Send me your words."), Reply(await_fix(self.store, user,
                                                                        pressed.target))]
        return [Reply(said, edit="message")]

    def _feedback(self, user: str, pressed: Press) -> list[Reply]:
        installment_id = pressed.target
        if self.store.get_installment(user, installment_id) is None:
            return [Reply(toast="That part of your story is no longer here.")]
        kind = {"keep": "keep", "drop": "not_for_me", "again": "another_version",
                "tones": "tone_menu", "back": "tone_menu_closed"}.get(pressed.action)
        if pressed.action == "tone":
            kind = f"tone:{pressed.value}"
        if kind is None:
            return [Reply(toast="That button no longer works.")]
        self.store.record_feedback(Feedback(user=user, installment_id=installment_id, kind=kind))
        if pressed.action == "keep":
            return [Reply(toast="Kept. Thank you!")]
        if pressed.action == "drop":
            return [Reply(toast="Thank you: I'll keep that in mind.")]
        if pressed.action == "tones":
            return [Reply(buttons=tone_buttons(installment_id), edit="keyboard")]
        if pressed.action == "back":
            return [Reply(buttons=installment_buttons(installment_id), edit="keyboard")]
        if pressed.action == "tone":
            result = dispatch(self.ctx, user, "tone", pressed.value)
            return [Reply(buttons=installment_buttons(installment_id), edit="keyboard",
                          toast=result.text[:190])]
        again = "retry" if "retry" in HELP else "story"
        result = dispatch(self.ctx, user, again, "")
        return [Reply(toast="Writing another version…"),
                Reply(result.text, request_id=result.request_id)]
