"""Guided sessions: plan templates and the replies that carry a session through the chat.

A counselor starts a plan for a client; storyloom asks its prompts one by one,
each after the client's answer to the one before. The answers are ordinary
turns, understood like any other, so they become part of the client's story.
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.conversation.intake import clean_text
from worker.counsel.records import GuidedSession
from worker.store.records import Turn
from worker.store.store import Store

MAX_PROMPTS = 20
MAX_PROMPT_CHARS = 500


@dataclass(frozen=True)
class Template:
    """A named plan of prompts."""

    title: str
    prompts: tuple[str, ...]


# Narrative-therapy moves (externalising, unique outcomes, re-authoring) and
# reminiscence work; "blank" has no prompts: the counselor writes them.
TEMPLATES: dict[str, Template] = {
    "externalising": Template("Externalising the problem", (
        "If the problem that troubles you most had a name, what would you call it?",
        "When does it tend to turn up, and what does it try to tell you about yourself?",
        "What has it cost you, and the people around you?",
        "Are you content for things to go on like this, or would you like them to change? Why?",
    )),
    "unique-outcomes": Template("Finding unique outcomes", (
        "Think of a time, even a small one, when the problem could have taken over but "
        "didn't. What happened?",
        "What did you do or think that made the difference that time?",
        "What does that moment say about what matters to you?",
        "Who would be least surprised that you managed it, and why?",
    )),
    "re-authoring": Template("Re-authoring", (
        "If your life were a book, what would you call the chapter you are in now?",
        "What are you hoping the next chapter will be about?",
        "Which moments from your past belong in that new story?",
        "Who would you like to share the new story with?",
    )),
    "reminiscence": Template("Reminiscence", (
        "Tell me about the house you grew up in. What did it look, sound and smell like?",
        "Who were the people you were closest to when you were young?",
        "What work or role in your life are you proudest of?",
        "What was an ordinary day like when you were about twenty?",
        "Which celebration or tradition do you remember most fondly?",
        "What would you like the young people in your family to know about your life?",
    )),
    "blank": Template("Blank plan (write your own prompts)", ()),
}

OPENING = ("Your counselor has started a guided session: {n} question{s}, one at a time. "
           "Answer in your own words, as much or as little as you like.\n\n{prompt}")
NEXT = "Thank you. {prompt}"
CLOSING = ("Thank you, that was the last question. Your answers are part of your story now; "
           "send /story and I'll weave them into the next installment.")


def parse_prompts(text: str) -> tuple[str, ...]:
    """A counselor's prompts, one per line, cleaned; ValueError when unusable."""
    prompts = tuple(p for p in (clean_text(line) for line in text.splitlines()) if p)
    if len(prompts) > MAX_PROMPTS:
        raise ValueError(f"a plan has at most {MAX_PROMPTS} prompts")
    if any(len(p) > MAX_PROMPT_CHARS for p in prompts):
        raise ValueError(f"a prompt has at most {MAX_PROMPT_CHARS} characters")
    return prompts


def plan_session(
    user: str, counselor_id: str, template: str, custom: str = "", review: bool = True
) -> GuidedSession:
    """A session from a template, or from the counselor's own prompts when given."""
    if template not in TEMPLATES:
        raise ValueError("unknown template")
    prompts = parse_prompts(custom) or TEMPLATES[template].prompts
    if not prompts:
        raise ValueError("write at least one prompt for a blank plan")
    return GuidedSession(user=user, counselor_id=counselor_id, template=template,
                         prompts=prompts, review=review)


def opening_message(session: GuidedSession) -> str:
    """The message that starts a session in the chat."""
    n = len(session.prompts)
    return OPENING.format(n=n, s="" if n == 1 else "s", prompt=session.prompts[0])


def guided_reply(store: Store, turn: Turn) -> str | None:
    """The reply to a turn that answers a guided prompt (the next prompt), else None."""
    answered = store.record_guided_answer(turn.user, turn.turn_id)
    if answered is None:
        return None
    session, index = answered
    if index + 1 < len(session.prompts):
        return NEXT.format(prompt=session.prompts[index + 1])
    return CLOSING
