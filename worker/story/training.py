"""Records training learns from, written as the story is made and steered.

- every installment: a "rerank" preference pair (the chosen draft against the
  weakest safe one, same prompt), and "kept" feedback on the installment
  before it when the user moved on with /story or /continue;
- /retry: a "retry" pair (the new version chosen over the one redone) and
  "retried" feedback;
- /undo: "withdrawn" feedback; /edit: "edited" feedback holding the user's own
  words, with the prompt that produced the original.

Every record carries the installment and request ids and the ids of the turns
whose memories it tells (turn-id lineage).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from worker.store.records import FeedbackKind, Installment, PreferencePair, StoryFeedback

if TYPE_CHECKING:
    from worker.story.draft import Draft
    from worker.story.planner import Plan


def feedback(kind: FeedbackKind, inst: Installment, edited: str | None = None,
             replaced_by: str | None = None) -> StoryFeedback:
    """Feedback on one installment."""
    return StoryFeedback(user=inst.user, kind=kind, installment_id=inst.installment_id,
                         request_id=inst.request_id, original=inst.text, edited=edited,
                         replaced_by=replaced_by, prompt=inst.prompt, turn_ids=inst.turn_ids)


def training_records(new: Installment, round_: Draft | None, chosen: int,
                     redone: Installment | None,
                     previous: Installment | None, plan: Plan,
                     ) -> list[PreferencePair | StoryFeedback]:
    """The pairs and feedback one delivered installment gives (stored with it, at once)."""
    turns, model = plan.turn_ids, new.stats.model
    out: list[PreferencePair | StoryFeedback] = []
    texts = round_.texts if round_ is not None else []
    safe = [i for i, s in enumerate(round_.scores) if s.safe and i != chosen] if round_ else []
    if round_ is not None and safe:
        worst = min(safe, key=lambda i: round_.final_scores[i].total)
        out.append(PreferencePair(
            user=new.user, source="rerank", prompt=new.prompt, prefix=new.prefix,
            chosen=texts[chosen], rejected=texts[worst], chosen_id=new.installment_id,
            request_id=new.request_id, turn_ids=turns, model=model))
    if redone is not None:
        out.append(PreferencePair(
            user=new.user, source="retry", prompt=new.prompt, prefix=new.prefix,
            chosen=new.text, rejected=redone.text, chosen_id=new.installment_id,
            rejected_id=redone.installment_id, request_id=new.request_id, turn_ids=turns,
            model=model))
        out.append(feedback("retried", redone, replaced_by=new.installment_id))
    if previous is not None and new.kind in ("next", "continue"):
        out.append(feedback("kept", previous))
    return out
