"""Story commands, shared by every adapter: /story, /continue, /retry, /undo,
/about, /chapter, /pov, /tense and /tone (/edit and /versions: ``versions``).

Commands that write start a generate job and answer at once; the installment
follows as a delivery. Commands that steer only change the user's settings or
story state.
"""

from __future__ import annotations

import logging

from worker.conversation.command import CommandContext, CommandResult
from worker.ops import backpressure
from worker.ops.queues import enqueue_story
from worker.profile.model import Profile
from worker.store.records import Chapter, StoryKind, StoryRequest, utcnow
from worker.story import tones
from worker.story.planner import make_beat, matches_about, moments
from worker.story.training import feedback

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 80
MAX_ABOUT_CHARS = 200


def _start(ctx: CommandContext, user: str, kind: StoryKind, text: str,
           about: str | None = None, replaces: str | None = None) -> CommandResult:
    admission = backpressure.admit(ctx.store, ctx.settings.storyloom_max_pending_stories, user)
    if not admission.admitted:
        return CommandResult(admission.text)
    tone = ctx.store.get_settings(user).tone
    request = StoryRequest(user=user, kind=kind, tone=tone, about=about, replaces=replaces,
                           after_turn=ctx.store.last_turn_id(user))
    enqueue_story(ctx.store, ctx.settings, request)
    backpressure.track(ctx.store, user, request.request_id)
    ahead, _ = backpressure.wait_estimate(ctx.redis, request.request_id)
    if ahead:  # others are before it: say where it stands and how long that may take
        text = backpressure.queued_reply(ctx.redis, request.request_id)
    return CommandResult(text, request.request_id)


def cmd_story(ctx: CommandContext, user: str, args: str) -> CommandResult:
    if args:
        return CommandResult("/story takes no arguments. To choose what it tells, use "
                             "/about <person, place or event>; to set the mood, /tone.")
    return _start(ctx, user, "next", "Writing the next part of your story...")


def cmd_continue(ctx: CommandContext, user: str, args: str) -> CommandResult:
    if ctx.store.last_installment(user) is None:
        return _start(ctx, user, "next", "There's no story yet, so I'll begin it...")
    return _start(ctx, user, "continue", "Going on from where we left off...")


def cmd_retry(ctx: CommandContext, user: str, args: str) -> CommandResult:
    last = ctx.store.last_installment(user)
    if last is None:
        return CommandResult("There's no installment to redo yet. Send /story first.")
    return _start(ctx, user, "retry", f"Writing another version of part {last.number}...",
                  replaces=last.installment_id)


def cmd_undo(ctx: CommandContext, user: str, args: str) -> CommandResult:
    last = ctx.store.last_installment(user)
    if last is None or not ctx.store.withdraw_last(user, last.installment_id):
        return CommandResult("There's nothing to take back yet.")
    ctx.store.add_feedback(feedback("withdrawn", last))
    return CommandResult(f"I took back part {last.number}. Its memories are untold again; "
                         "/story tells them anew.")


def _knows_about(profile: Profile, about: str) -> bool:
    return any(matches_about(make_beat(m, profile, "first"), about, profile)
               for m in moments(profile))


def cmd_about(ctx: CommandContext, user: str, args: str) -> CommandResult:
    about = " ".join(args.split())[:MAX_ABOUT_CHARS]
    if not about:
        return CommandResult("Tell me who or what: /about <person, place or event>.")
    if not _knows_about(ctx.store.get_profile(user), about):
        return CommandResult("I don't know a memory about that yet. Tell me about it, and "
                             "I'll weave it into your story.")
    return _start(ctx, user, "next", "Writing a part of your story about that...", about=about)


def cmd_chapter(ctx: CommandContext, user: str, args: str) -> CommandResult:
    title = " ".join(args.split())[:MAX_TITLE_CHARS]
    if not title:
        return CommandResult("Give the chapter a title: /chapter <title>.")
    state = ctx.store.get_story_state(user)
    next_part = ctx.store.installment_count(user) + 1
    chapters = list(state.chapters)
    if chapters and chapters[-1].starts_at == next_part:
        chapters[-1] = chapters[-1].model_copy(update={"title": title})  # still empty: rename
    else:
        number = chapters[-1].number + 1 if chapters else (2 if next_part > 1 else 1)
        chapters.append(Chapter(number=number, title=title, starts_at=next_part))
    ctx.store.save_story_state(user, state.model_copy(update={
        "chapters": tuple(chapters), "updated_at": utcnow()}))
    return CommandResult(f"Chapter {chapters[-1].number}, \"{title}\", begins with the next "
                         "installment.")


def cmd_pov(ctx: CommandContext, user: str, args: str) -> CommandResult:
    choice, _, rest = args.strip().partition(" ")
    choice = choice.lower()
    if choice not in ("first", "second", "third"):
        now = ctx.store.get_settings(user).pov
        return CommandResult(f"Choose first (\"I\"), second (\"you\") or third (about you by "
                             f"name, and the pronoun after it: /pov third Ana she). Now: {now}.")
    prefs = ctx.store.get_settings(user)
    words = rest.split()
    pronoun = prefs.pronoun
    if words and words[-1].lower() in ("she", "he", "they"):
        pronoun = words.pop().lower()  # type: ignore[assignment]
    clean = " ".join(words)[:40] or prefs.name
    ctx.store.save_settings(user, prefs.model_copy(update={"pov": choice, "name": clean,
                                                            "pronoun": pronoun}))
    who = {"first": "in your own voice (\"I\")", "second": "to you (\"you\")",
           "third": f"about {clean or 'you'} ({pronoun}), in the third person"}[choice]
    return CommandResult(f"From now on your story is told {who}.")


def cmd_tense(ctx: CommandContext, user: str, args: str) -> CommandResult:
    tense = args.strip().lower()
    if tense not in ("past", "present"):
        return CommandResult(f"Choose past or present. Now: {ctx.store.get_settings(user).tense}.")
    prefs = ctx.store.get_settings(user)
    ctx.store.save_settings(user, prefs.model_copy(update={"tense": tense}))
    return CommandResult(f"From now on your story is told in the {tense} tense.")


def cmd_tone(ctx: CommandContext, user: str, args: str) -> CommandResult:
    mood = tones.canonical(args) if args.strip() else None
    prefs = ctx.store.get_settings(user)
    if mood is None:
        return CommandResult(f"Choose one of: {', '.join(tones.TONES)}. Now: {prefs.tone}.")
    ctx.store.save_settings(user, prefs.model_copy(update={"tone": mood}))
    return CommandResult(f"From now on your story will be told with the tone: {mood}.")



