"""/people, /fix and corrections said in plain sentences.

A recognised correction ("Ana is my cousin, not my sister", "forget that I lived
in Faro") is not stored as a turn (the NLU would learn it back from the words):
it is kept as a correction record, applied to the profile and the knowledge
graph at once, and re-applied after every later update.
"""

from __future__ import annotations

import logging

from worker.conversation.command import CommandContext, CommandResult
from worker.profile import corrections
from worker.profile.model import Profile
from worker.store.book_records import Correction

logger = logging.getLogger(__name__)

MAX_FIX_CHARS = 300
FIX_HOW = ("Tell me what to fix, for example:\n"
           "/fix Ana is my cousin, not my sister\n"
           "/fix forget that I lived in Faro\n"
           "(You can also just say it in the chat.)")


def _who(p: object) -> str:
    name, relation = getattr(p, "name", ""), getattr(p, "relation", None)
    return f"{name} ({relation})" if relation and relation not in name else name


def people_text(profile: Profile) -> str:
    """The people storyloom knows, with how they relate to the user."""
    if not profile.people:
        return ("I don't know anyone from your life yet. Tell me about the people who "
                "matter to you!")
    lines = ["The people in your story:"]
    for i, p in enumerate(sorted(profile.people, key=lambda p: -p.mentions), start=1):
        also = f", also called {', '.join(p.aliases)}" if p.aliases else ""
        lines.append(f"{i}. {_who(p)}{also}")
    lines += ["", "Something wrong? Say it, e.g. \"Ana is my cousin, not my sister\"."]
    return "\n".join(lines)


def _known(profile: Profile) -> str:
    names = [_who(p) for p in profile.people][:12]
    return ("People I know: " + ", ".join(names) + ".") if names else (
        "I don't know anyone from your life yet.")


def _answer(c: Correction, profile: Profile) -> str:
    if c.kind == "relation" and not c.applied:
        return (f"I don't know anyone called {c.subject} yet, so there was nothing to "
                f"correct. {_known(profile)} Nothing was changed.")
    if c.kind == "relation":
        return (f"Thank you: {c.matched[0]} is your {c.relation}. I've corrected it, and "
                "your next installments will say so.")
    if not c.applied:
        return (f"I don't have anything about \"{c.subject}\" to forget. Nothing was changed. "
                "Send /profile to see what I keep.")
    return (f"Done: I've forgotten what you told me about {', '.join(c.matched)}. It won't be "
            "in your next installments. (If you tell me about it again, I'll keep that.)")


def correct(ctx: CommandContext, user: str, said: corrections.Said,
            words: str) -> tuple[Correction, Profile]:
    """Keep a correction and apply it to the profile and graph: (it, the profile before)."""
    profile = ctx.store.get_profile(user)
    correction = corrections.make(profile, said, words)
    ctx.store.add_correction(correction)
    if correction.applied:
        ctx.store.save_profile(corrections.apply(profile, [correction]))
    logger.info("user %s: %s correction %s", user, correction.kind,
                "applied" if correction.applied else "about nothing known")
    return correction, profile


def correct_from_text(ctx: CommandContext, user: str, text: str
                      ) -> tuple[CommandResult, bool] | None:
    """A correction said in the chat, applied: (the answer, keep the words as a turn too).

    None when the text is not a correction. A correction about someone storyloom does not
    know changes nothing; the message is then kept as an ordinary turn as well.
    """
    said = corrections.recognise(text)
    if said is None:
        return None
    correction, before = correct(ctx, user, said, text)
    answer = _answer(correction, before)
    unknown = correction.kind == "relation" and not correction.applied
    if unknown:
        answer = answer.replace("Nothing was changed.",
                                "I kept your message as something you told me.")
    return CommandResult(answer), unknown


def cmd_fix(ctx: CommandContext, user: str, args: str) -> CommandResult:
    text = " ".join(args.split())
    if not text:
        return CommandResult(FIX_HOW)
    if len(text) > MAX_FIX_CHARS:
        return CommandResult(f"That's longer than one correction ({MAX_FIX_CHARS} characters). "
                             "Could you say it in one short sentence?")
    said = corrections.recognise(text, command=True)
    if said is None:
        return CommandResult("I couldn't tell what to correct. " + FIX_HOW)
    return CommandResult(_answer(*correct(ctx, user, said, text)))


def cmd_people(ctx: CommandContext, user: str, args: str) -> CommandResult:
    return CommandResult(people_text(ctx.store.get_profile(user)))
