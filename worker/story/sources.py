"""/sources: which of the user's own messages each sentence of an installment retells."""

from __future__ import annotations

from worker.conversation.command import CommandContext, CommandResult
from worker.store.records import Installment

# A quoted message is cut here: enough to recognise it.
QUOTE_CHARS = 160


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1].rstrip() + "\u2026"


def sources_text(inst: Installment, turns: dict[str, str]) -> str:
    """Each sentence, then the messages it came from (or that it is storyloom's own words)."""
    if not inst.sentences:
        if inst.source == "user":
            return f"Part {inst.number} is in your own words (you wrote it with /edit)."
        return f"Part {inst.number} was written before I kept sources for each sentence."
    lines = [f"Where each sentence of part {inst.number} comes from:"]
    for n, sentence in enumerate(inst.sentences, 1):
        lines.append(f"{n}. {sentence.text}")
        told = [turns[t] for t in sentence.sources if t in turns]
        if told:
            lines += [f"   from what you said: \u201c{_quote(t)}\u201d" for t in told]
        elif sentence.sources:
            lines.append("   from a message you have since withdrawn")
        else:
            lines.append("   my own words, joining the story together (no memory of yours)")
    return "\n".join(lines)


def cmd_sources(ctx: CommandContext, user: str, args: str) -> CommandResult:
    story = ctx.store.installments(user)
    if not story:
        return CommandResult("There's no installment yet. Send /story first.")
    word = args.strip()
    if word and not word.isdigit():
        return CommandResult("Send /sources for the last part, or /sources N for part N.")
    wanted = int(word) if word else story[-1].number
    inst = next((i for i in reversed(story) if i.number == wanted), None)
    if inst is None:
        return CommandResult(f"There's no part {wanted}; your story has {story[-1].number} "
                             "so far.")
    needed = {t for s in inst.sentences for t in s.sources}
    turns = {t: turn.text for t in needed if (turn := ctx.store.get_turn(user, t)) is not None}
    return CommandResult(sources_text(inst, turns))
