"""Chat replies that carry files or buttons beyond a command's text: /book's files and the
version picker (/versions N, and the "Versions…" button under an installment)."""

from __future__ import annotations

from bot.buttons import Rows, version_buttons
from worker.book import commands as book
from worker.conversation.command import CommandContext
from worker.counsel.rights import ExportFile
from worker.store.records import Installment

NO_STORY = "Your story has no parts yet, so there's no book to make. Send /story first."


def book_files(ctx: CommandContext, user: str, args: str, who: str
               ) -> tuple[str, tuple[ExportFile, ...]]:
    """/book in a chat: (what to say, the files to send): the cover's words, or the book."""
    cover = book.set_cover(ctx, user, args)
    if cover is not None:
        return cover.text, ()
    request = book.parse(args)
    if request is None:
        return book.USAGE, ()
    if ctx.store.installment_count(user) == 0:
        return NO_STORY, ()
    author = ctx.store.get_story_state(user).author or ctx.store.get_settings(user).name or (
        who or None)
    files = book.make_files(ctx.store, user, request, author=author)
    return "Here is your book.", tuple(
        ExportFile(f.name.rsplit("/", 1)[-1], f.data, f.mime) for f in files)


def _label(inst: Installment) -> str:
    if inst.source == "user":
        return "your words"
    return "another version" if inst.kind == "retry" else "first written"


def _buttons(ctx: CommandContext, user: str, installment_id: str,
             back: str | None) -> tuple[Rows, int]:
    versions = ctx.store.versions(user, installment_id)
    found = ctx.store.part_at(user, versions[-1].number) if versions else None
    shown = found[1].installment_id if found else installment_id
    choices = [(v.installment_id, f"{_label(v)}, {v.created_at:%d %b %H:%M}") for v in versions]
    return version_buttons(choices, shown, back), len(versions)


def versions_keyboard(ctx: CommandContext, user: str, args: str) -> Rows:
    """Buttons under /versions N (none when N is missing or has a single version)."""
    words = args.split()
    if len(words) > 1 or (words and not words[0].isdigit()):
        return ()
    if words:
        found = ctx.store.part_at(user, int(words[0])) if len(words[0]) <= 9 else None
    else:
        last = ctx.store.last_installment(user)
        found = (0, last) if last is not None else None
    if found is None:
        return ()
    rows, count = _buttons(ctx, user, found[1].installment_id, None)
    return rows if count > 1 else ()


def versions_menu(ctx: CommandContext, user: str, installment_id: str) -> tuple[str | None, Rows]:
    """The "Versions…" button: (a note to show, or the part's versions as buttons)."""
    if ctx.store.get_installment(user, installment_id) is None:
        return "That part of your story is no longer here.", ()
    rows, count = _buttons(ctx, user, installment_id, installment_id)
    if count <= 1:
        return "This part has only one version. “Another version” writes a new one.", ()
    return None, rows
