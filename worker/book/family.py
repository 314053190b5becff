"""/family: private read-only links to the story for the family, and their questions.

``/family`` lists links and waiting questions; ``/family link [days]`` makes a link
(shown once; only its digest is kept); ``/family revoke N|all`` stops links at once;
``/family ask N`` puts question N to the user now (their next message answers it);
``/family drop N`` lets it go.
"""

from __future__ import annotations

import logging
from datetime import datetime

from worker.book.family_questions import decide
from worker.conversation.command import CommandContext, CommandResult
from worker.store.book_records import FamilyLink
from worker.store.records import utcnow

logger = logging.getLogger(__name__)

USAGE = ("/family link [days]: a private link to your story for your family (read-only)\n"
         "/family: your links and your family's questions\n"
         "/family revoke N (or all): stop a link at once\n"
         "/family ask N / drop N: answer a question from your family, or let it go")
ASKED = ("Your family asked:\n\n“{text}”\n\nTell me about it whenever you like: your answer "
         "becomes part of your story.")


def link_url(ctx: CommandContext, token: str) -> str:
    """Where a family link opens (the dashboard's address, as the family reaches it)."""
    return f"{ctx.settings.storyloom_dashboard_url.rstrip('/')}/family/{token}"


def _state(link: FamilyLink, now: datetime) -> str:
    if link.revoked_at is not None:
        return f"withdrawn {link.revoked_at:%d %b %Y}"
    if now >= link.expires_at:
        return f"expired {link.expires_at:%d %b %Y}"
    opened = f", opened {link.views} time{'s' if link.views != 1 else ''}" if link.views else ""
    return f"works until {link.expires_at:%d %b %Y}{opened}"


def family_text(ctx: CommandContext, user: str) -> str:
    """The user's links and the questions waiting for their decision."""
    now = utcnow()
    links = ctx.store.family_links(user)
    lines = ["Your family links:" if links else "You have no family links yet."]
    lines += [f"{i}. made {x.created_at:%d %b %Y}, {_state(x, now)}"
              for i, x in enumerate(links, start=1)]
    waiting = [q for q in ctx.store.family_questions(user) if q.status == "waiting"]
    if waiting:
        lines += ["", "Questions from your family:"]
        lines += [f"{q.number}. “{q.text}”" + (f" (from {q.from_name})" if q.from_name else "")
                  for q in waiting]
    return "\n".join([*lines, "", USAGE])


def _make_link(ctx: CommandContext, user: str, args: str) -> CommandResult:
    days_text = args.strip() or str(ctx.settings.storyloom_family_link_days)
    if not days_text.isdigit() or not 1 <= int(days_text) <= 365:
        return CommandResult("Say for how many days the link should work, from 1 to 365: "
                             "/family link 30.")
    if ctx.store.installment_count(user) == 0:
        return CommandResult("Your story has no parts yet, so your family would see an empty "
                             "page. Send /story first, then /family link.")
    token, link = ctx.store.create_family_link(user, int(days_text))
    logger.info("user %s: family link %s made", user, link.link_id)
    return CommandResult(
        f"Here is a private link to your story for your family:\n{link_url(ctx, token)}\n\n"
        f"It works until {link.expires_at:%d %B %Y} and shows your story, a timeline and your "
        "photos; your family can leave you questions there. Anyone with the link can read "
        "it, so share it only with people you trust. I show it only this once. /family lists "
        "your links; /family revoke stops one at once.")


def _revoke(ctx: CommandContext, user: str, which: str) -> CommandResult:
    links = ctx.store.family_links(user)
    if which == "all":
        for link in links:
            ctx.store.revoke_family_link(user, link.link_id)
        return CommandResult(f"Done: none of your {len(links)} family links works any more.")
    if not which.isdigit() or not 1 <= int(which) <= len(links):
        return CommandResult(f"Say which link to stop: /family revoke N, N from 1 to "
                             f"{len(links)} (see /family), or /family revoke all."
                             if links else "You have no family links to stop.")
    ctx.store.revoke_family_link(user, links[int(which) - 1].link_id)
    return CommandResult(f"Done: link {which} no longer opens your story.")


def _decide(ctx: CommandContext, user: str, which: str, ask: bool) -> CommandResult:
    question = ctx.store.family_question(user, int(which)) if which.isdigit() else None
    if question is None:
        return CommandResult(f"There's no question {which or '(number missing)'} from your "
                             "family. /family lists them.")
    if question.status != "waiting":
        return CommandResult(f"You already decided on question {question.number}.")
    decide(ctx.store, question, ask)
    if ask:
        return CommandResult(ASKED.format(text=question.text))
    return CommandResult(f"All right, I let question {question.number} go.")


def cmd_family(ctx: CommandContext, user: str, args: str) -> CommandResult:
    sub, _, rest = args.strip().partition(" ")
    sub, rest = sub.lower(), rest.strip().lower()
    if not sub:
        return CommandResult(family_text(ctx, user))
    if sub == "link":
        return _make_link(ctx, user, rest)
    if sub in ("revoke", "stop"):
        return _revoke(ctx, user, rest)
    if sub in ("ask", "drop"):
        return _decide(ctx, user, rest, sub == "ask")
    return CommandResult(USAGE)
