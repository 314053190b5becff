"""The story engine's default path: an installment composed from what the user told.

Glue between the StoryWriter (plan, tone, delivery) and the composer: the turns a plan
tells, the live preview, the model's rewording step through the user's adapter, and the
engine's own scores of the delivered text. Also the sentence gate the free path's
paragraphs pass through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from worker.profile.model import Profile
from worker.settings import Settings
from worker.store.records import (
    GenerationStats,
    Installment,
    SourcedSentence,
    StoryProgress,
    StoryRequest,
    UserSettings,
)
from worker.store.store import Store
from worker.story import checks
from worker.story.compose import Composer, grounding
from worker.story.draft import Written
from worker.story.planner import Plan
from worker.story.rephrase import Rephraser
from worker.story.rerank import score
from worker.story.scoring import sentences as split_sentences
from worker.story.tools import sentence_encoder, spacy_pipeline

if TYPE_CHECKING:
    from worker.llm.model import LanguageModel
    from worker.story.rerank import Judge
    from worker.story.tones import ToneChoice

logger = logging.getLogger(__name__)


def composer_for(settings: Settings, model: LanguageModel) -> Composer:
    """A composer over the worker's shared tools and this user's model."""
    samples = settings.storyloom_rephrase_samples
    rephraser = Rephraser(sample=model.sample, perplexity=model.perplexity,
                          samples=samples) if samples else None
    return Composer(spacy_pipeline(), sentence_encoder().embed, rephraser, model.count_tokens,
                    tokenizer=model.tokenizer)


def _turn_texts(store: Store, user: str, plan: Plan) -> dict[str, str]:
    out = {}
    for turn_id in plan.turn_ids:
        turn = store.get_turn(user, turn_id)
        if turn is not None:
            out[turn_id] = turn.text
    return out


# Messages back in which a he or she may have been named ("my grandmother Maria taught
# me...", a Sunday market, then "I cried because I missed her").
SAID_BEFORE = 3


def _said_before(store: Store, user: str, plan: Plan) -> dict[str, str]:
    """For each planned turn, the user's few messages just before it, in order."""
    turns = store.turns(user)
    at = {t.turn_id: i for i, t in enumerate(turns)}
    return {tid: " ".join(t.text for t in turns[max(0, at[tid] - SAID_BEFORE):at[tid]])
            for tid in plan.turn_ids if at.get(tid, 0) > 0}


def compose_installment(settings: Settings, store: Store, model: LanguageModel,
                        request: StoryRequest, plan: Plan, choice: ToneChoice,
                        profile: Profile, story: list[Installment], prefs: UserSettings,
                        seed: int | None, judge: Callable[[], Judge]) -> Written | None:
    """The installment for a plan, composed sentence by sentence (None: nothing to say)."""
    user = request.user
    live = settings.storyloom_stream and not store.review_hold(user)

    def preview(text: str) -> None:
        if live:
            store.push_progress(user, StoryProgress(request_id=request.request_id, draft=0,
                                                    text=text))

    earlier = [i.text for i in story if i.installment_id != request.replaces]
    # /retry: another version of the same moments, one more round for each earlier retry
    variant = 0 if request.kind != "retry" else 1 + sum(
        1 for f in store.story_feedback(user) if f.kind == "retried")
    composed = composer_for(settings, model).compose(
        plan, _turn_texts(store, user, plan), profile, prefs, choice.target, seed,
        earlier=earlier, variant=variant, preview=preview,
        replacing=next((i.text for i in story if i.installment_id == request.replaces), ""),
        said_before=_said_before(store, user, plan))
    if not composed.lines:
        return None
    logger.info("user %s: composed %s", user,
                ", ".join(f"{k} {v}" for k, v in sorted(composed.counts.items())))
    text = composed.text
    scores = score([text], judge())[0]
    stats = composed.stats or GenerationStats(model=model.identity, prompt_tokens=0,
                                              new_tokens=0, seconds=0.0, tokens_per_s=0.0)
    return Written(text=text, sentences=composed.sentences, scores=scores, stats=stats,
                   drafts=max(1, settings.storyloom_rephrase_samples))


def checked_sentences(store: Store, text: str, plan: Plan, profile: Profile,
                      prefs: UserSettings) -> tuple[SourcedSentence, ...]:
    """A free paragraph's sentences that pass the checks against everything the plan told
    (each sourced to the planned turns whose words it uses)."""
    nlp = spacy_pipeline()
    turns = _turn_texts(store, profile.user, plan)
    g = grounding(nlp, list(turns.values()), profile, prefs)
    told = list(nlp.pipe(list(turns.values())))
    judge = checks.Rephrasing(g, sentence_encoder().embed)
    kept = []
    for doc in nlp.pipe(split_sentences(text)):
        if not checks.check(doc, g).ok:
            continue
        if any(len(judge.unsupported(doc, source)) <= 1 for source in told):
            sources = tuple(t for t, d in zip(turns, told, strict=True)
                            if len(judge.unsupported(doc, d)) <= 1)
            kept.append(SourcedSentence(text=doc.text, sources=sources))
    return tuple(kept)

