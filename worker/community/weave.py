"""Weaving: members' contributions become the next part of a community story.

A weave is a job on the generate queue, run by the same worker and model as a
person's installments. The prompt holds only what members wrote in the
story's place, plus private memories of members who allowed it (/share on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import redis
from rq import Callback, Retry

from worker.community.records import Contribution, Vote, Weave, WeaveRequest
from worker.community.stories import credit_line, open_story
from worker.community.votes import open_vote
from worker.ops import runtime
from worker.ops.queues import GENERATE, queue
from worker.settings import Settings
from worker.store.records import Delivery
from worker.store.store import Store
from worker.story.prompt import Prompt

logger = logging.getLogger(__name__)

SYSTEM = ("You are a storyteller. A group writes a story together; you weave what its "
          "members wrote into the next part of the story. You never invent new people.")
# The newest contributions of one weave that fit a small model's context.
MAX_IN_PROMPT = 12
PROMPT_CHARS = 400
SHARED_PER_MEMBER = 2
FAILED = "I couldn't weave that part just now; nothing was lost. Try /story weave again."
NOTHING = "There is nothing new to weave yet: write a contribution in this thread first."
BUSY = "A vote or a weave is already under way for this story."


@dataclass(frozen=True)
class Shared:
    """A private memory a member allowed community stories to use."""

    author: str
    name: str
    text: str


def shareable_memories(store: Store, user: str) -> list[str]:
    """The private memories of a user that a community story may use if they allow it: the
    latest events, leaving out any told in a turn flagged for safety or kept out of training
    (/notrain, withdrawn). What /share preview shows them."""
    held = set(store.withheld_turns(user)) | {a.turn_id for a in store.user_alerts(user)}
    events = sorted((e for e in store.get_profile(user).events if e.turn_id not in held),
                    key=lambda e: e.said_at)
    return [e.text for e in events[-SHARED_PER_MEMBER:]]


def shared_memories(store: Store, contributions: list[Contribution]) -> list[Shared]:
    """Private memories of the contributors who turned /share on; nobody else's."""
    out: list[Shared] = []
    names = {c.author: c.name for c in contributions if not c.removed}
    for author, name in names.items():
        if not store.shares_with_community(author):
            continue
        out += [Shared(author, name, text) for text in shareable_memories(store, author)]
    return out


def weave_prompt(
    title: str, contributions: list[Contribution], shared: list[Shared],
    direction: str | None, previous: str | None,
) -> Prompt:
    """The chat asking for the next part, crediting each member by name."""
    ask = [f"The story is called \"{title}\"."]
    if previous:
        ask.append(f"The story so far ended: \"{previous[-PROMPT_CHARS:]}\"")
    ask.append("The members wrote:")
    ask += [f"- {c.name}: {c.text[:PROMPT_CHARS]}" for c in contributions[-MAX_IN_PROMPT:]]
    if shared:
        ask.append("Memories members chose to share:")
        ask += [f"- {s.name}: {s.text[:PROMPT_CHARS]}" for s in shared]
    want = ("Write the next paragraph of the story in the third person and the past tense, "
            "using every member's idea")
    ask.append(want + (f". In this part: {direction}." if direction else "."))
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(ask)}]
    return Prompt(messages=messages, prefix="")


def weave_ttl(settings: Settings) -> int:
    """How long a story stays claimed by one vote-then-weave, at most."""
    runs = settings.storyloom_job_retries + 1
    return int(settings.community_vote_seconds + settings.storyloom_job_timeout * runs + 60)


def enqueue_weave(client: redis.Redis, settings: Settings, request: WeaveRequest) -> str:
    """Queue a weave on the generate queue; returns the job id."""
    job = queue(GENERATE, client).enqueue(
        "worker.community.weave.weave_installment", request.model_dump_json(),
        job_id=f"weave-{request.request_id}", job_timeout=settings.storyloom_job_timeout,
        retry=Retry(max=settings.storyloom_job_retries) if settings.storyloom_job_retries else None,
        on_failure=Callback("worker.community.weave.weave_failed"),
        result_ttl=3600, failure_ttl=7 * 24 * 3600, description="weave a community story part",
    )
    return str(job.id)


@dataclass(frozen=True)
class WeaveStart:
    """What asking for a weave did: opened a vote, queued a weave, or neither (and why)."""

    vote: Vote | None = None
    request_id: str | None = None
    refusal: str | None = None


def begin_weave(store: Store, client: redis.Redis, settings: Settings, story: str,
                now: datetime, vote: bool = True) -> WeaveStart:
    """Start the next part: a vote on its direction first when votes are on."""
    record = open_story(store, story)
    if record is None:
        return WeaveStart(refusal="There is no open story here.")
    if store.contribution_count(story) <= record.woven_upto:
        return WeaveStart(refusal=NOTHING)
    if not store.try_begin_weaving(story, weave_ttl(settings)):
        return WeaveStart(refusal=BUSY)
    if vote and settings.community_vote_seconds > 0:
        return WeaveStart(vote=open_vote(store, settings, story, now))
    request = WeaveRequest(story=story)
    enqueue_weave(client, settings, request)
    return WeaveStart(request_id=request.request_id)


def weave_after_vote(client: redis.Redis, settings: Settings, vote: Vote,
                     direction: str | None) -> str:
    """Queue the weave a closed vote decided; returns its request id."""
    request = WeaveRequest(story=vote.story, direction=direction)
    enqueue_weave(client, settings, request)
    return request.request_id


def weave_installment(request_json: str) -> str | None:
    """Write, store and deliver the next part of a community story; returns its id."""
    from worker.ops.jobs import tidy

    ctx = runtime.current()
    request = WeaveRequest.model_validate_json(request_json)
    store, settings = ctx.store, ctx.settings
    done = store.request_done(request.request_id)
    record = store.get_community(request.story)
    if done or record is None:
        return done
    pending = [c for c in store.contributions(request.story, record.woven_upto) if not c.removed]
    if not pending:
        store.end_weaving(request.story)
        store.push_delivery(Delivery(user=request.story, kind="notice", text=NOTHING,
                                     in_reply_to=request.request_id))
        return None
    upto = record.woven_upto + len(store.contributions(request.story, record.woven_upto))
    weaves = store.weaves(request.story)
    shared = shared_memories(store, pending)
    prompt = weave_prompt(record.title, pending, shared, request.direction,
                          weaves[-1].text if weaves else None)
    # never ctx.model(): once a user's adapter is loaded, peft has wrapped that model in place
    generation = ctx.base_model().generate(
        prompt.messages, prefix=prompt.prefix, max_new_tokens=settings.storyloom_max_new_tokens,
        temperature=settings.storyloom_temperature, top_p=settings.storyloom_top_p,
        seed=settings.storyloom_seed,
    )
    names = tuple(dict.fromkeys(c.name for c in pending))
    text = tidy(generation.texts[0])
    weave = Weave(story=request.story, request_id=request.request_id, number=len(weaves) + 1,
                  text=text, credits=names, contribution_ids=tuple(c.contribution_id
                                                                   for c in pending),
                  upto=upto, direction=request.direction,
                  shared_from=tuple(dict.fromkeys(s.author for s in shared)),
                  stats=generation.stats)
    body = f"{text}\n\n{credit_line(names)}" if names else text
    delivery = Delivery(user=request.story, kind="installment", text=body,
                        in_reply_to=request.request_id, installment_id=weave.weave_id)
    if not store.save_weave(weave, delivery):
        return store.request_done(request.request_id)
    logger.info("community story %s: part %s woven (%s tokens)", request.story, weave.number,
                generation.stats.new_tokens)
    return weave.weave_id


def weave_failed(job: object, connection: object, exc_type: type, exc: object,
                 tb: object) -> None:
    """Release the story and tell its members when a weave could not be written."""
    if getattr(job, "retries_left", 0):
        return
    request = WeaveRequest.model_validate_json(job.args[0])  # type: ignore[attr-defined]
    store = runtime.current().store
    logger.error("weave job for %s failed: %s", request.story, exc_type.__name__)
    store.end_weaving(request.story)
    if store.request_done(request.request_id) is None:
        store.push_delivery(Delivery(user=request.story, kind="notice", text=FAILED,
                                     in_reply_to=request.request_id))
