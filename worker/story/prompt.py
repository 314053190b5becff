"""The prompt for one installment: the story so far, the beats, the voice and the tone.

The model gets exactly the material it needs: a running summary of the story
so far (shortened, oldest first, until the prompt fits its token budget), the
chapter, the beats in the story's point of view, the names it may use, and the
tone. Its answer starts with words we choose (prefix anchoring), which put the
first beat's time and teller on the page before the model writes a word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from worker.store.records import Installment, Pov, Tense
from worker.story.anchors import time_phrase
from worker.story.planner import Plan
from worker.story.tones import STYLE, TONES
from worker.story.voice import subject

SYSTEM = ("You are a memoir writer. You retell a person's own memories as a short, warm, vivid "
          "story. You stay true to what they told you and never invent people or places.")
_VOICE = {
    "first": "in the first person (\"I\"), as if I were telling it",
    "second": "in the second person (\"you\"), speaking to me",
    "third": "in the third person, about {name}",
}
# Lines of the story-so-far summary the prompt starts from before trimming.
SUMMARY_LINES = 40
TAIL_CHARS = 240

__all__ = ["TONES", "Prompt", "build_prompt", "story_so_far"]


@dataclass(frozen=True)
class Prompt:
    """A chat for the model and the first words of its answer."""

    messages: list[dict[str, str]]
    prefix: str
    context_parts: int = 0  # earlier parts the story-so-far summary still holds


def story_so_far(story: Sequence[Installment], chapters: dict[int, str]) -> list[str]:
    """A running summary: one line per installment (its beats), in story order."""
    lines: list[str] = []
    for inst in story[-SUMMARY_LINES:]:
        title = chapters.get(inst.chapter)
        head = f"Part {inst.number}" + (f" ({title})" if title else "")
        told = " ".join(inst.beats) if inst.beats else inst.text[:160]
        lines.append(f"- {head}: {told}")
    return lines


def opening(plan: Plan, pov: Pov, name: str | None, continuing: bool) -> str:
    """First words of the installment: the first beat's time, then its teller."""
    who = subject(pov, name)
    if continuing:
        return "Then " + who
    times = [a.label for a in plan.beats[0].anchors if a.kind == "time"] if plan.beats else []
    if times:
        return f"{time_phrase(times[0])}, {who}"
    return who[:1].upper() + who[1:]


def _ask(plan: Plan, tone: str, pov: Pov, tense: Tense, name: str | None) -> list[str]:
    voice = _VOICE[pov].format(name=name or "me")
    lines = [f"Write the next part of my life story: one paragraph of four to six sentences, "
             f"{voice}, in the {tense} tense, with a {STYLE.get(tone, TONES.get(tone, tone))} "
             "tone. Tell these memories, in this order:"]
    lines += [f"{i}. {b.text}" for i, b in enumerate(plan.beats, 1)]
    names = [a.label for a in plan.anchors if a.kind in ("person", "place")]
    times = [a.label for a in plan.anchors if a.kind == "time"]
    if names:
        lines.append(f"Mention {', '.join(names)}" + (f" and say when: {', '.join(times)}."
                                                       if times else "."))
    lines.append("Do not add any other names of people or places.")
    return lines


def build_prompt(
    plan: Plan, tone: str, pov: Pov, tense: Tense, story: Sequence[Installment], *,
    chapters: dict[int, str], chapter: int, name: str | None = None, continuing: bool = False,
    budget: int = 900, count: Callable[[str], int] = lambda s: len(s) // 4,
) -> Prompt:
    """The chat asking for one installment, shortened to `budget` tokens, and its opening."""
    ask = _ask(plan, tone, pov, tense, name)
    title = chapters.get(chapter)
    head = [f"This part belongs to the chapter \"{title}\"."] if title else []
    tail: list[str] = []
    if story:
        ending = story[-1].text[-TAIL_CHARS:]
        tail = [f"The last part ended: \"...{ending}\"",
                "Go straight on from there." if continuing else "Now tell what came next."]
    summary = story_so_far(story, chapters)
    fixed = count(SYSTEM) + count("\n".join(head + tail + ask)) + 32
    while summary and fixed + count("\n".join(summary)) + 8 > budget:
        summary = summary[1:]  # oldest first: the recent story matters most for what follows
    body = (["The story so far:", *summary, ""] if summary else []) + head + tail + ask
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": "\n".join(body)}]
    return Prompt(messages=messages, prefix=opening(plan, pov, name, continuing),
                  context_parts=len(summary))
