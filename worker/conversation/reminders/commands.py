"""/remind, /timezone and /quiet: reminders a user chose, in their own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from worker.conversation.command import CommandContext, CommandResult
from worker.conversation.reminders.schedule import (
    describe,
    find_zone,
    local_text,
    next_slot,
    parse_every,
    parse_pause,
    parse_quiet,
    zone_suggestions,
)
from worker.store.reminders import ReminderPlan

REMIND_HELP = ("Send /remind weekly sunday 10:00, /remind daily 19:00, /remind pause "
               "[2 weeks], /remind resume or /remind off.")
ASK_ZONE = ("Which time zone are you in? Send /timezone and its name, for example "
            "/timezone Europe/Lisbon or /timezone America/New_York. Your reminders start "
            "once I know it.")
OFF = "Reminders are off. I won't write unless you write first."


def _plan(ctx: CommandContext, user: str) -> ReminderPlan:
    return ctx.store.get_reminder(user) or ReminderPlan()


def _save(ctx: CommandContext, user: str, plan: ReminderPlan, now: datetime) -> str:
    """Store the plan, schedule its next slot, and say when that is."""
    plan = plan.model_copy(update={"updated_at": now})
    # a pause "for 2 weeks" ends on the moment it was set, two weeks on: a slot then is sent
    resume = plan.paused_until - timedelta(microseconds=1) if plan.paused_until else now
    due = None if plan.paused and plan.paused_until is None else next_slot(
        plan, max(now, resume))
    ctx.store.save_reminder(user, plan, due)
    if plan.cadence is None:
        return OFF
    if plan.timezone is None:
        return ASK_ZONE
    if due is None:
        return f"Reminders are paused ({describe(plan)}). Send /remind resume to go on."
    return f"I'll send you a question {describe(plan)} ({plan.timezone}). Next: " \
           f"{local_text(due, plan.timezone)}."


def cmd_remind(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """Set, pause, resume, stop or show the user's reminders."""
    now, plan, word = ctx.clock(), _plan(ctx, user), args.strip().lower()
    if not word:
        if plan.cadence is None:
            return CommandResult("You have no reminders. " + REMIND_HELP)
        return CommandResult(_status(ctx, user, plan))
    if word == "off":
        return CommandResult(_save(ctx, user, plan.model_copy(update={
            "cadence": None, "paused": False, "paused_until": None}), now))
    if word == "resume":
        if plan.cadence is None:
            return CommandResult("You have no reminders to resume. " + REMIND_HELP)
        return CommandResult(_save(ctx, user, plan.model_copy(
            update={"paused": False, "paused_until": None}), now))
    if word.split()[0] == "pause":
        return CommandResult(_pause(ctx, user, plan, word[5:].strip(), now))
    every = parse_every(word)
    if every is None:
        return CommandResult(f"I couldn't read “{args.strip()[:60]}” as a reminder. "
                             + REMIND_HELP)
    plan = plan.model_copy(update={"cadence": every.cadence, "weekday": every.weekday,
                                   "hour": every.hour, "minute": every.minute,
                                   "paused": False, "paused_until": None})
    return CommandResult(_save(ctx, user, plan, now))


def _pause(ctx: CommandContext, user: str, plan: ReminderPlan, span: str,
           now: datetime) -> str:
    if plan.cadence is None:
        return "You have no reminders to pause. " + REMIND_HELP
    if not span:
        _save(ctx, user, plan.model_copy(update={"paused": True, "paused_until": None}), now)
        return "Reminders paused until you send /remind resume."
    length = parse_pause(span)
    if length is None:
        return f"I couldn't read “{span[:40]}” as a length. Try /remind pause 2 weeks."
    until = now + length
    _save(ctx, user, plan.model_copy(update={"paused": True, "paused_until": until}), now)
    due = ctx.store.reminder_due(user)
    nxt = f" Next: {local_text(due, plan.timezone)}." if due and plan.timezone else ""
    return f"Reminders paused for {span}.{nxt}"


def _status(ctx: CommandContext, user: str, plan: ReminderPlan) -> str:
    if plan.timezone is None:
        return f"Reminders {describe(plan)}, waiting for your time zone. " + ASK_ZONE
    due = ctx.store.reminder_due(user)
    quiet = ""
    if plan.quiet_from is not None and plan.quiet_to is not None:
        quiet = (f" Quiet hours {plan.quiet_from // 60:02d}:{plan.quiet_from % 60:02d}–"
                 f"{plan.quiet_to // 60:02d}:{plan.quiet_to % 60:02d}.")
    nxt = f" Next: {local_text(due, plan.timezone)}." if due else " Paused."
    return f"Reminders {describe(plan)} ({plan.timezone}).{nxt}{quiet}"


def cmd_timezone(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """Set the time zone reminders are sent in."""
    plan = _plan(ctx, user)
    if not args.strip():
        now = plan.timezone or "not set"
        return CommandResult(f"Your time zone: {now}. Send /timezone Europe/Lisbon (or "
                             "another name from the tz database) to set it.")
    zone = find_zone(args)
    if zone is None:
        close = zone_suggestions(args)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        return CommandResult(f"I don't know a time zone called “{args.strip()[:60]}”.{hint} "
                             "Use a name like Europe/Lisbon, America/New_York or Asia/Tokyo.")
    plan = plan.model_copy(update={"timezone": zone})
    if plan.cadence is None:
        ctx.store.save_reminder(user, plan, None)
        return CommandResult(f"Time zone set: {zone}. " + REMIND_HELP)
    return CommandResult(f"Time zone set: {zone}. " + _save(ctx, user, plan, ctx.clock()))


def cmd_quiet(ctx: CommandContext, user: str, args: str) -> CommandResult:
    """Hours in which no reminder arrives (one due then waits for their end)."""
    plan, word = _plan(ctx, user), args.strip().lower()
    if word == "off":
        plan = plan.model_copy(update={"quiet_from": None, "quiet_to": None})
        said = _save(ctx, user, plan, ctx.clock()) if plan.cadence else ""
        return CommandResult(("Quiet hours off. " + said).strip())
    span = parse_quiet(word)
    if span is None:
        return CommandResult("Send /quiet 22:00-08:00 (no reminders between those times), "
                             "or /quiet off.")
    plan = plan.model_copy(update={"quiet_from": span[0], "quiet_to": span[1]})
    if plan.cadence is None:
        ctx.store.save_reminder(user, plan, None)
        return CommandResult(f"Quiet hours set: {word}.")
    return CommandResult(f"Quiet hours set: {word}. " + _save(ctx, user, plan, ctx.clock()))
