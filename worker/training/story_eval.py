"""Before/after on the story engine's own measures, for a fine-tune's promotion.

The user's next installment is planned and prompted as the story engine would (the same
plan, tone, prompt and seed for every model), drafted by the base model, the user's
current adapter and the candidate, and each draft is scored by the reranker's scorers.
The numbers are the drafts' means, not the best draft's: they measure the model, not the
reranker. Perplexity is left out of the story score: each model would judge its own text.
Tone counts by the classifier's score for the tone (0..1), not by whether it passed: with a
handful of drafts, one draft more or less passing would swing the score.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from worker.settings import Settings
from worker.store.records import DraftScores, StoryRequest
from worker.store.store import Store
from worker.training.records import StoryMetrics

if TYPE_CHECKING:
    from worker.llm.model import LanguageModel
    from worker.story.planner import Plan
    from worker.story.prompt import Prompt


# drafts per model: more than the engine's 4, so that the means are steadier
PROBE_DRAFTS = 8


@dataclass
class Probe:
    """One installment to draft with every model: its plan, tone, prompt and seed."""

    request: StoryRequest
    plan: Plan
    tone: str
    prompt: Prompt
    seed: int


def probe(settings: Settings, store: Store, lm: LanguageModel, user: str) -> Probe | None:
    """The user's next installment as the story engine would prompt it (None: nothing to tell)."""
    from worker.story.engine import StoryWriter, choose_tone, request_seed

    writer = StoryWriter(settings, store, lm)
    profile, prefs = store.get_profile(user), store.get_settings(user)
    story = store.installments(user)
    request = StoryRequest(user=user, request_id=f"finetune-probe-{user}", tone=prefs.tone)
    plan = writer.plan(request, profile, story, prefs)
    if plan is None and story:
        plan = writer.plan(request.model_copy(update={"kind": "continue"}), profile, story, prefs)
    if plan is None:
        return None
    choice = choose_tone(request.tone, store.get_safety(user).level, profile, plan)
    prompt, _ = writer.prompt(user, plan, choice.target, prefs, story, continuing=bool(story))
    seed = request_seed(settings.storyloom_seed or 0, request.request_id) or 0
    return Probe(request, plan, choice.target, prompt, seed)


def story_metrics(scores: list[DraftScores]) -> StoryMetrics:
    """The mean measures of some drafts, and their story score (0..1, higher is better)."""
    def mean(values: list[float]) -> float:
        return round(statistics.fmean(values), 4)

    faithful = mean([s.faithfulness for s in scores])
    invented = mean([1.0 if s.invented else 0.0 for s in scores])
    tone = mean([s.tone_match for s in scores])
    distinct = mean([s.distinct_2 for s in scores])
    repeated = mean([s.repetition for s in scores])
    score = round((faithful + (1 - invented) + tone + distinct + (1 - repeated)) / 5, 4)
    return StoryMetrics(faithfulness=faithful, invented_rate=invented, tone_match=tone,
                        distinct_2=distinct, repetition=repeated, score=score,
                        drafts=len(scores))


def measure(settings: Settings, store: Store, model: LanguageModel, found: Probe) -> StoryMetrics:
    """Draft the probe with a model (as the engine drafts, without repair) and score it."""
    from worker.story.engine import StoryWriter

    user = found.request.user
    tuned = settings.model_copy(update={
        "storyloom_repair": False, "storyloom_stream": False, "storyloom_drafts": PROBE_DRAFTS,
        "storyloom_max_new_tokens": settings.storyloom_finetune_story_tokens})
    writer = StoryWriter(tuned, store, model)
    profile, prefs = store.get_profile(user), store.get_settings(user)
    earlier = [i.text for i in store.installments(user)]
    judge = writer.judge(found.plan, found.tone, profile, earlier, prefs, found.prompt)
    drafted = writer.draft(found.request, found.prompt, judge, found.seed, stream=False)
    return story_metrics(drafted.scores)
