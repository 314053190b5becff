"""Every part editable: /edit N <text> replaces any part, /versions N lists a part's versions
and /versions N K shows version K again (what the book, the family page and the fine-tune
read from then on). Buttons on Telegram and Discord call :func:`choose`.
"""

from __future__ import annotations

import logging

from worker.conversation.command import CommandContext, CommandResult
from worker.store.records import Installment, PreferencePair, new_id, utcnow
from worker.story.training import feedback

logger = logging.getLogger(__name__)

# Your own words for an installment: long enough for a page, short enough for a message.
MAX_EDIT_CHARS = 6000
PREVIEW_CHARS = 90


def edited(old: Installment, text: str) -> Installment:
    """The user's words as a new version of a part."""
    return old.model_copy(update={
        "installment_id": new_id(), "request_id": new_id(), "text": text, "kind": "edit",
        "source": "user", "replaces": old.installment_id, "scores": None,
        "first_draft": None, "best_raw": None, "repaired": False, "created_at": utcnow(),
        "sentences": (),  # the sources belonged to the words replaced
    })


def _no_part(ctx: CommandContext, user: str, number: int, how: str) -> CommandResult:
    count = ctx.store.installment_count(user)
    has = ("Your story has no parts yet. Send /story first." if count == 0 else
           f"Your story has {count} part{'s' if count != 1 else ''} (1 to {count}).")
    return CommandResult(f"There's no part {number}. {has} {how}".strip())


def _split_number(args: str) -> tuple[int | None, str]:
    head, _, rest = args.strip().partition(" ")
    if head.lower() == "last":
        return None, rest.strip()
    if head.isdigit() and len(head) <= 9:
        return int(head), rest.strip()
    return None, args.strip()


def cmd_edit(ctx: CommandContext, user: str, args: str) -> CommandResult:
    number, text = _split_number(args)
    text = " ".join(text.split())
    if number is None:
        last = ctx.store.last_installment(user)
        if last is None:
            return CommandResult("There's no installment to edit yet. Send /story first.")
        number = last.number
    found = ctx.store.part_at(user, number)
    if found is None:
        return _no_part(ctx, user, number, "Nothing was edited. (To start your words with a "
                        "number, send /edit last <your words>.)")
    position, part = found
    if not text:
        return CommandResult(f"Part {number} reads:\n\n{part.text}\n\nSend /edit {number} "
                             "<your words> to replace it.")
    if len(text) > MAX_EDIT_CHARS:
        return CommandResult(f"That's longer than I keep for one part ({MAX_EDIT_CHARS:,} "
                             "characters). Could you shorten it, or split it over two parts?")
    mine = edited(part, text)
    note = feedback("edited", part, edited=text, replaced_by=mine.installment_id)
    if not ctx.store.replace_part(user, position, part.installment_id, mine, [note]):
        return CommandResult(f"Part {number} changed meanwhile; nothing was edited. "
                             "Please try again.")
    return CommandResult(f"Part {number} now reads in your own words. Thank you: I'll learn "
                         f"from how you tell it. (/versions {number} shows the earlier ones.)")


def _label(inst: Installment, shown: str, number: int) -> str:
    who = "your words" if inst.source == "user" else f"{inst.kind} version" if \
        inst.kind == "retry" else "first written"
    now = ", shown now" if inst.installment_id == shown else ""
    preview = " ".join(inst.text.split())
    if len(preview) > PREVIEW_CHARS:
        preview = preview[:PREVIEW_CHARS].rsplit(" ", 1)[0] + "…"
    return f"{number}. ({who}, {inst.created_at:%d %b %H:%M}{now}) {preview}"


def versions_text(ctx: CommandContext, user: str, number: int) -> CommandResult:
    """A part's versions, the shown one marked."""
    found = ctx.store.part_at(user, number)
    if found is None:
        return _no_part(ctx, user, number, "")
    _, part = found
    versions = ctx.store.versions(user, part.installment_id)
    if len(versions) <= 1:
        return CommandResult(f"Part {number} has only one version. /retry writes another "
                             f"(of the last part); /edit {number} <text> puts yours.")
    lines = [f"Part {number} has {len(versions)} versions:"]
    lines += [_label(v, part.installment_id, i) for i, v in enumerate(versions, start=1)]
    lines += ["", f"Send /versions {number} K to show version K instead."]
    return CommandResult("\n".join(lines))


def choose(ctx: CommandContext, user: str, installment_id: str) -> CommandResult:
    """Show this version of its part again (from now on the book and the fine-tune see it)."""
    chosen = ctx.store.get_installment(user, installment_id)
    if chosen is None:
        return CommandResult("That version is no longer here.")
    found = ctx.store.part_at(user, chosen.number)
    if found is None or chosen.installment_id not in {
            v.installment_id for v in ctx.store.versions(user, found[1].installment_id)}:
        return CommandResult(f"Part {chosen.number} is no longer in your story (was it taken "
                             "back with /undo?). Nothing was changed.")
    position, shown = found
    if shown.installment_id == chosen.installment_id:
        return CommandResult(f"That version already shows as part {chosen.number}.")
    pair = PreferencePair(
        user=user, source="chosen", prompt=chosen.prompt, prefix=chosen.prefix,
        chosen=chosen.text, rejected=shown.text, chosen_id=chosen.installment_id,
        rejected_id=shown.installment_id, request_id=chosen.request_id,
        turn_ids=chosen.turn_ids, model=chosen.stats.model)
    if not ctx.store.choose_version(user, position, shown.installment_id,
                                    chosen.installment_id, [pair]):
        return CommandResult(f"Part {chosen.number} changed meanwhile; nothing was changed.")
    logger.info("user %s: part %s shows an earlier version again", user, chosen.number)
    return CommandResult(f"Part {chosen.number} now reads:\n\n{chosen.text}")


def cmd_versions(ctx: CommandContext, user: str, args: str) -> CommandResult:
    words = args.split()
    if not words:
        last = ctx.store.last_installment(user)
        if last is None:
            return CommandResult("There's no installment yet. Send /story first.")
        return versions_text(ctx, user, last.number)
    if not all(w.isdigit() and len(w) <= 9 for w in words) or len(words) > 2:
        return CommandResult("Send /versions N to see the versions of part N, and "
                             "/versions N K to show version K.")
    number = int(words[0])
    if len(words) == 1:
        return versions_text(ctx, user, number)
    found = ctx.store.part_at(user, number)
    if found is None:
        return _no_part(ctx, user, number, "")
    versions = ctx.store.versions(user, found[1].installment_id)
    k = int(words[1])
    if not 1 <= k <= len(versions):
        return CommandResult(f"Part {number} has {len(versions)} version"
                             f"{'s' if len(versions) != 1 else ''}; there's no version {k}.")
    return choose(ctx, user, versions[k - 1].installment_id)
