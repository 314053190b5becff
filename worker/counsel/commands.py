"""Chat commands of the counselor side: linking with consent, private mode, crisis locale.

/counselor CODE shows the user exactly what the counselor would see and waits
for /counselor confirm; nothing is shared before that.
"""

from __future__ import annotations

import logging

from nlu.safety import crisis_resources
from worker.conversation.command import CommandContext, CommandResult

logger = logging.getLogger(__name__)

WHAT_THEY_SEE = (
    "{who} invited you to share your story with them as your counselor.\n"
    "If you agree, they will see:\n"
    "  - the timeline of the moments you have told me about,\n"
    "  - the people in your story and how they connect,\n"
    "  - how your feelings have moved over time,\n"
    "  - the installments of your story, with how I scored them,\n"
    "  - safety alerts, if something you say makes me worried for you.\n"
    "They do not see our conversation itself. In a guided session they read each "
    "installment before you do. With /private on they see only safety alerts; "
    "/counselor off ends the link at any time.\n"
    "Send /counselor confirm to agree."
)
USAGE = ("/counselor CODE links you with a counselor (you will be asked to confirm); "
         "/counselor confirm agrees; /counselor off ends the link.")


def _status(ctx: CommandContext, user: str) -> CommandResult:
    link = ctx.store.client_link(user)
    if link is None:
        return CommandResult("You are not linked with a counselor. " + USAGE)
    who = _counselor_name(ctx, link.counselor_id)
    if link.status == "pending":
        return CommandResult(f"{who} is waiting for your answer: /counselor confirm to agree, "
                             "/counselor off to say no.")
    private = " Private mode is on: they see only safety alerts." if (
        ctx.store.get_privacy(user).private) else ""
    return CommandResult(f"You are linked with {who}.{private} /counselor off ends the link.")


def _counselor_name(ctx: CommandContext, counselor_id: str) -> str:
    account = ctx.store.get_account(counselor_id)
    return f"Your counselor ({account.email})" if account else "Your counselor"


def _redeem(ctx: CommandContext, user: str, code: str) -> CommandResult:
    current = ctx.store.client_link(user)
    if current is not None and current.status == "active":
        return CommandResult("You are already linked with a counselor. Send /counselor off "
                             "first if you want to change.")
    link = ctx.store.redeem_invite(user, code)
    if link is None:
        return CommandResult("That code doesn't work: it may be mistyped, used or expired. "
                             "Ask your counselor for a new one.")
    logger.info("user %s redeemed an invite (pending link)", user)
    return CommandResult(WHAT_THEY_SEE.format(who=_counselor_name(ctx, link.counselor_id)))


def cmd_counselor(ctx: CommandContext, user: str, args: str) -> CommandResult:
    word = args.strip()
    if not word:
        return _status(ctx, user)
    if word.lower() == "confirm":
        link = ctx.store.confirm_link(user)
        if link is None:
            return CommandResult("There is nothing to confirm. " + USAGE)
        logger.info("user %s confirmed a counselor link", user)
        return CommandResult("Thank you. You are now linked with your counselor. "
                             "/private on keeps your story to yourself; /counselor off ends "
                             "the link.")
    if word.lower() == "off":
        link = ctx.store.end_link(user)
        if link is None:
            return CommandResult("You are not linked with a counselor.")
        logger.info("user %s ended a counselor link", user)
        return CommandResult("The link has ended: your counselor no longer sees anything of "
                             "yours. Any installment waiting for their review comes to you now.")
    return _redeem(ctx, user, word)


def cmd_private(ctx: CommandContext, user: str, args: str) -> CommandResult:
    word = args.strip().lower()
    if word not in ("on", "off"):
        now = "on" if ctx.store.get_privacy(user).private else "off"
        return CommandResult(f"Private mode is {now}. Send /private on or /private off.")
    ctx.store.set_private(user, word == "on")
    if word == "on":
        return CommandResult("Private mode is on: a counselor sees only safety alerts, nothing "
                             "of your story. Any installment waiting for their review comes "
                             "to you now.")
    return CommandResult("Private mode is off: a linked counselor sees your story again.")


def cmd_locale(ctx: CommandContext, user: str, args: str) -> CommandResult:
    code = args.strip()
    current = ctx.store.get_settings(user)
    if not code:
        shown = current.locale or ctx.settings.storyloom_default_locale
        return CommandResult(f"Your locale is {shown}. Send /locale CODE to change it, "
                             "for example /locale en-GB.")
    if len(code) > 16:
        return CommandResult("That doesn't look like a locale; try something like en-GB.")
    resources = crisis_resources(code)
    ctx.store.save_settings(user, current.model_copy(update={"locale": resources.locale}))
    return CommandResult(f"Locale set to {resources.locale}.")


def cmd_alerts(ctx: CommandContext, user: str, args: str) -> CommandResult:
    if not args.strip():
        return CommandResult("Counselors: get a code on the dashboard's account page, then "
                             "send /alerts CODE here.")
    account = ctx.store.redeem_chat_code(args, user)
    if account is None:
        return CommandResult("That code doesn't work: it may be mistyped, used or expired.")
    logger.info("account %s linked chat %s for alerts", account.account_id, user)
    return CommandResult("This chat now receives safety alerts for your clients.")
