"""RQ job functions. Each runs in a long-lived, non-forking worker (see runner)."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from worker import runtime
from worker.profile import Profile
from worker.records import Delivery, Installment, StoryRequest
from worker.story.prompt import build_prompt, pick_events

logger = logging.getLogger(__name__)

NOTHING_YET = (
    "I don't know enough about your life yet to write a story. Tell me about a person, "
    "a place or a moment that matters to you, then send /story again."
)
PAUSED = (
    "Your story is paused for now, so we can focus on how you are. A person can "
    "lift the pause when you're ready."
)
FAILED = (
    "I'm sorry: I couldn't write that part of your story just now. Nothing was lost; "
    "send /story to try again."
)


def _wait_for_nlu(request: StoryRequest, poll_s: float = 0.1) -> Profile:
    """The profile once the turns said before /story are understood (or the wait ran out)."""
    ctx = runtime.current()
    deadline = time.monotonic() + ctx.settings.storyloom_nlu_wait_seconds
    turn = request.after_turn
    while turn and not ctx.store.is_applied(request.user, turn):
        if time.monotonic() > deadline:
            logger.warning("user %s: writing before NLU caught up", request.user)
            break
        time.sleep(poll_s)
    return ctx.store.get_profile(request.user)


def tidy(text: str) -> str:
    """Drop an unfinished last sentence and stray whitespace from generated text."""
    text = re.sub(r"[ \t]+", " ", text).strip()
    cut = max(text.rfind(ch) for ch in ".!?\"”")
    if cut > len(text) // 2:
        text = text[: cut + 1]
    return text


def generate_installment(request_json: str) -> str | None:
    """Write, store and deliver one installment; returns its id."""
    ctx = runtime.current()
    request = StoryRequest.model_validate_json(request_json)
    done = ctx.store.request_done(request.request_id)
    if done:
        return done
    profile = _wait_for_nlu(request)
    if ctx.store.get_safety(request.user).paused:
        ctx.store.push_delivery(Delivery(user=request.user, kind="notice", text=PAUSED,
                                         in_reply_to=request.request_id))
        return None
    if not profile.events and not profile.people and not profile.places:
        ctx.store.push_delivery(Delivery(user=request.user, kind="notice", text=NOTHING_YET,
                                         in_reply_to=request.request_id))
        return None
    story = ctx.store.installments(request.user)
    told = {e for inst in story for e in inst.event_ids}
    events = pick_events(profile, told)
    previous = story[-1] if story else None
    prompt = build_prompt(profile, events, request.tone, previous)
    model = ctx.model()
    settings = ctx.settings
    generation = model.generate(
        prompt.messages, prefix=prompt.prefix, max_new_tokens=settings.storyloom_max_new_tokens,
        temperature=settings.storyloom_temperature, top_p=settings.storyloom_top_p,
        seed=settings.storyloom_seed,
    )
    text = tidy(generation.texts[0])
    installment = Installment(
        user=request.user, request_id=request.request_id, number=len(story) + 1, text=text,
        tone=request.tone, event_ids=tuple(e.event_id for e in events),
        people=tuple(p.name for p in profile.people), places=tuple(p.name for p in profile.places),
        stats=generation.stats,
    )
    delivery = Delivery(user=request.user, kind="installment", text=text,
                        in_reply_to=request.request_id,
                        installment_id=installment.installment_id, tone=request.tone)
    if not ctx.store.save_installment(installment, delivery):
        logger.info("request %s was already fulfilled; not delivering twice", request.request_id)
        return ctx.store.request_done(request.request_id)
    logger.info("user %s: installment %s written (%s tokens, %.1f tok/s)", request.user,
                installment.installment_id, generation.stats.new_tokens,
                generation.stats.tokens_per_s)
    return installment.installment_id


def story_failed(job: Any, connection: Any, exc_type: Any, exc: Any, tb: Any) -> None:
    """Tell the user when their installment could not be written (after the last retry)."""
    if job.retries_left:
        logger.warning("job %s failed (%s); %s retries left", job.id, exc_type.__name__,
                       job.retries_left)
        return
    request = StoryRequest.model_validate_json(job.args[0])
    ctx = runtime.current()
    logger.error("job %s failed for user %s: %s", job.id, request.user, exc_type.__name__)
    if ctx.store.request_done(request.request_id) is None:
        ctx.store.push_delivery(Delivery(user=request.user, kind="notice", text=FAILED,
                                         in_reply_to=request.request_id))
