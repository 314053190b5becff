"""Chat commands, shared by every adapter (terminal, Telegram, Discord).

An adapter parses ``/name args`` and calls :func:`dispatch`; the answer is a
short text to show at once and, for commands that start work, the id of the
request whose delivery will follow. Every command is listed once, in
:data:`TABLE`; the modules that implement them import only
:mod:`worker.conversation.command`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from worker.book import commands as book
from worker.book import family
from worker.conversation import corrections, interview, resume
from worker.conversation.command import CommandContext, CommandResult, Handler
from worker.conversation.reminders import commands as reminders
from worker.conversation.voice import commands as voice
from worker.counsel import commands as counsel
from worker.counsel import privacy
from worker.profile.view import render_profile
from worker.story import controls as story
from worker.story import sources, versions
from worker.training import commands as training

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """One chat command: its name, what runs it, and its line in /help."""

    name: str
    handler: Handler
    usage: str


def cmd_help(ctx: CommandContext, user: str, args: str) -> CommandResult:
    lines = ["Tell me about your life: people, places, moments, how they felt.", ""]
    lines += [entry.usage for entry in TABLE]
    return CommandResult("\n".join(lines))


def cmd_profile(ctx: CommandContext, user: str, args: str) -> CommandResult:
    return CommandResult(render_profile(ctx.store.get_profile(user)))


TABLE: tuple[Command, ...] = (
    Command("help", cmd_help, "/help: what I can do"),
    Command("profile", cmd_profile, "/profile: what I have understood about your life"),
    Command("people", corrections.cmd_people,
            "/people: the people in your story and how they relate to you"),
    Command("fix", corrections.cmd_fix,
            "/fix <correction>: correct what I understood (\"Ana is my cousin, not my "
            "sister\", \"forget that I lived in Faro\"; you can also just say it)"),
    Command("counselor", counsel.cmd_counselor,
            "/counselor CODE|confirm|off: link with your counselor, with your consent"),
    Command("private", counsel.cmd_private,
            "/private on|off: keep your story from your counselor (they still get safety alerts)"),
    Command("locale", counsel.cmd_locale,
            "/locale CODE: which country's helplines I show (e.g. en-GB, pt-BR)"),
    Command("resume", resume.cmd_resume,
            "/resume: I'm safe, let's go on (after a pause for your safety; a counselor, if you "
            "have one, decides instead)"),
    Command("helplines", resume.cmd_helplines,
            "/helplines: people you can talk to, any time"),
    Command("alerts", counsel.cmd_alerts,
            "/alerts CODE: (counselors) receive safety alerts in this chat"),
    Command("pseudonym", privacy.cmd_pseudonym,
            "/pseudonym NAME PSEUDONYM: another name for someone in your exports "
            "(use = for names of several words)"),
    Command("ask", interview.cmd_ask,
            "/ask: a question about your life, whenever you want one"),
    Command("story", story.cmd_story,
            "/story: write the next installment of your life story"),
    Command("continue", story.cmd_continue,
            "/continue: go on from where the last installment ended"),
    Command("retry", story.cmd_retry,
            "/retry: another version of the last installment"),
    Command("undo", story.cmd_undo,
            "/undo: take back the last installment"),
    Command("edit", versions.cmd_edit,
            "/edit [N] <text>: replace part N (or the last) with your own words"),
    Command("versions", versions.cmd_versions,
            "/versions [N] [K]: the versions of part N (after /retry or /edit); K shows one "
            "again"),
    Command("about", story.cmd_about,
            "/about <person, place or event>: the next installment tells about it"),
    Command("chapter", story.cmd_chapter,
            "/chapter <title>: start a new chapter with the next installment"),
    Command("pov", story.cmd_pov,
            "/pov first|second|third [name]: who tells your story"),
    Command("tense", story.cmd_tense,
            "/tense past|present: the tense your story is told in"),
    Command("tone", story.cmd_tone,
            "/tone <mood>: the feeling of the next installments (auto, joy, sadness, "
            "bittersweet nostalgia, hope, humour, calm)"),
    Command("sources", sources.cmd_sources,
            "/sources [N]: which of your messages each sentence of a part comes from"),
    Command("book", book.cmd_book,
            "/book [letter|epub|md]: your story as a book to print (PDF, A5 unless letter); "
            "/book title|name <words> for the cover"),
    Command("family", family.cmd_family,
            "/family link [days]: a private page of your story for your family; /family: "
            "your links and their questions"),
    Command("notrain", training.cmd_notrain,
            "/notrain [N]: keep your last message (or last N) out of what I learn your voice from"),
    # reminders and voice notes (issue 16)
    Command("remind", reminders.cmd_remind,
            "/remind weekly sunday 10:00|daily 19:00|pause [2 weeks]|resume|off: a question "
            "for your story, when you choose"),
    Command("timezone", reminders.cmd_timezone,
            "/timezone Europe/Lisbon: the time zone your reminders keep"),
    Command("quiet", reminders.cmd_quiet,
            "/quiet 22:00-08:00|off: hours with no reminders"),
    Command("voice", voice.cmd_voice,
            "/voice keep|fix <words>|drop|recordings on|off: what to do with the transcript "
            "of your voice note"),
)
_BY_NAME = {entry.name: entry for entry in TABLE}
HELP: dict[str, str] = {entry.name: entry.usage for entry in TABLE}


def parse(text: str) -> tuple[str, str] | None:
    """('story', 'args') for '/story args'; None when the text is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    name, _, args = stripped[1:].partition(" ")
    return name.split("@", 1)[0].lower(), args.strip()


def dispatch(ctx: CommandContext, user: str, name: str, args: str) -> CommandResult:
    """Run a command for a user; unknown commands get a pointer to /help."""
    entry = _BY_NAME.get(name)
    if entry is None:
        return CommandResult(f"I don't know the command /{name}. Send /help to see what I can do.")
    ctx.store.touch_user(user)
    try:
        return entry.handler(ctx, user, args)
    except redis.RedisError:
        raise  # Redis away: the adapter keeps the update for later and says so
    except Exception as exc:  # the boundary of one command: the chat goes on
        # the type only: an exception's message can quote what the user wrote
        logger.error("command /%s failed for user %s: %s", name, user, type(exc).__name__)
        return CommandResult(f"Sorry, /{name} went wrong on my side; please try again in "
                             "a moment.")


__all__ = ["HELP", "TABLE", "Command", "CommandContext", "CommandResult", "dispatch", "parse"]
