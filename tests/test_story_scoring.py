"""Draft scoring: invented names (real spaCy), tone against the emotion classifier,
repetition, and the repair of the chosen draft."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nlu.emotions.lexicon import LexiconEmotionClassifier
from nlu.safety import allowed_tones
from worker.profile.model import FeelingPoint, LifeEvent, Person, Place, Profile
from worker.story.engine import choose_tone
from worker.story.planner import plan_next
from worker.story.rerank import Judge, best, repair, score
from worker.story.scoring import distinct_2, invented_names, known_vocabulary, repetition
from worker.story.tones import canonical, resolve_auto, tone_match

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from nlu.spacy_model import load_pipeline

    return load_pipeline()


def _profile(feeling: str = "joy", valence: float = 0.8) -> Profile:
    return Profile(
        user="local:t",
        people=(Person(name="Maria", relation="grandmother", first_seen=T0, last_seen=T0),),
        places=(Place(name="Lisbon", first_seen=T0, last_seen=T0),),
        events=(LifeEvent(text="My grandmother Maria taught me to bake bread in Lisbon",
                          predicate="teach", place="Lisbon", time="when I was seven",
                          score=0.9, turn_id="t1", said_at=T0),),
        arc=(FeelingPoint(turn_id="t1", at=T0, label=feeling, strength=0.9, valence=valence),),
    )


def test_names_the_user_never_mentioned_are_invented(nlp) -> None:  # type: ignore[no-untyped-def]
    known = known_vocabulary(_profile())
    texts = [
        "Your grandmother Maria baked bread with you in Lisbon.",
        "Your grandmother Maria and her friend Margaret Thompson walked to Madrid.",
        "Grandma smiled at you in Maria's kitchen in Lisbon.",
    ]
    found = invented_names(nlp, texts, known)
    assert found[0] == [] and found[2] == []
    assert any("Thompson" in n for n in found[1]) and "Madrid" in found[1]


def test_tone_scoring_follows_the_classifier() -> None:
    clf = LexiconEmotionClassifier.load()
    happy, sad = clf.predict([
        "You laughed with joy, so happy and delighted, the best fun of the summer.",
        "You cried and missed her terribly; the tears and the grief stayed with you.",
    ])
    assert tone_match(happy.emotions, "joy").ok and not tone_match(sad.emotions, "joy").ok
    assert tone_match(sad.emotions, "sadness").ok and not tone_match(happy.emotions, "sadness").ok
    assert tone_match(happy.emotions, "joy").score > tone_match(sad.emotions, "joy").score
    assert canonical("Bittersweet nostalgia") == "nostalgia" and canonical("rage") is None


def test_auto_follows_the_users_feelings_and_the_safety_floor_overrides() -> None:
    assert resolve_auto(_profile("sadness", -0.8), ["t1"]) == "sadness"
    assert resolve_auto(_profile("joy", 0.8), ["t1"]) == "joy"
    profile = _profile("sadness", -0.8)
    plan = plan_next(profile, [], "second")
    assert plan is not None
    calm = choose_tone("auto", "none", profile, plan)
    assert (calm.target, calm.overridden) == ("sadness", False)
    guarded = choose_tone("sadness", "high", profile, plan)
    assert guarded.overridden and guarded.target == "nostalgia"
    assert allowed_tones("high", "sadness") == ("bittersweet nostalgia", True)


def test_repetition_and_distinct_2() -> None:
    loop = "You walked to the sea. You walked to the sea. You walked to the sea."
    fresh = "You walked to the sea at dawn. Later the town woke and bread was warm."
    assert repetition(loop) > 0.5 and repetition(fresh) == 0.0
    assert repetition(fresh, earlier=["Once upon a time. Later the town woke and bread was "
                                      "warm."]) == 0.5
    assert distinct_2(loop) < 0.5 < distinct_2(fresh)


def test_rerank_prefers_the_faithful_draft_and_repair_removes_strangers(nlp) -> None:  # type: ignore[no-untyped-def]
    profile = _profile()
    plan = plan_next(profile, [], "second")
    assert plan is not None
    judge = Judge(plan=plan, tone="joy", known=known_vocabulary(profile), known_people=["Maria"],
                  earlier=[], nlp=nlp, classifier=LexiconEmotionClassifier.load(),
                  perplexity=lambda texts: [20.0] * len(texts))
    drafts = [
        "You sat by the window. Uncle Fredrik Olsen sailed to Oslo that day, happy and free.",
        "When you were seven, your grandmother Maria taught you to bake bread in Lisbon. "
        "You laughed with joy as the dough rose. Her friend Fredrik Olsen came from Oslo.",
    ]
    scores = score(drafts, judge)
    assert best(scores) == 1
    assert scores[1].faithfulness == 1.0 and scores[0].faithfulness < 0.5
    fixed = repair(drafts[1], scores[1], judge)
    assert "Fredrik" not in fixed and "Oslo" not in fixed and "Maria" in fixed
    told = repair(drafts[0], scores[0], judge)
    assert "Maria" in told and "Lisbon" in told and "Fredrik" not in told


def test_a_draft_failing_moderation_is_never_chosen(nlp) -> None:  # type: ignore[no-untyped-def]
    profile = _profile()
    plan = plan_next(profile, [], "second")
    assert plan is not None
    judge = Judge(plan=plan, tone="joy", known=known_vocabulary(profile), known_people=["Maria"],
                  earlier=[], nlp=nlp, classifier=LexiconEmotionClassifier.load(),
                  perplexity=lambda texts: [20.0] * len(texts))
    unsafe = ("When you were seven, your grandmother Maria taught you to bake bread in Lisbon, "
              "and said you should just kill yourself.")
    scores = score([unsafe, "You were happy."], judge)
    assert not scores[0].safe and best(scores) == 1
    assert best(score([unsafe], judge)) is None
