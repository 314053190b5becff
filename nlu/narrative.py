"""How strongly a clause narrates an event: a hand-weighted logistic model over parse features.

score = sigmoid(BIAS + sum(WEIGHTS[f] * x_f)). The weights are set by reasoning about life
stories, not fitted; each one says why. A plain past-tense action by the user with a time
or place ("We moved to Lisbon in 1998") scores ~0.97; a present-tense state ("I like
tea") ~0.2; a negated or hypothetical clause ("I never went", "I want to go") < 0.4.
"""

from __future__ import annotations

import math

# With no evidence, a clause with a verb is more likely chat or opinion than narration.
BIAS = -2.0
WEIGHTS = {
    # Life stories are told in the past tense; the strongest single cue.
    "past": 2.0,
    # Dynamic verbs (go, meet, move) narrate; statives (be, like, know) describe.
    "action": 1.0,
    # The user or someone they know did it: the story is about their life.
    "known_agent": 0.8,
    # A time anchor ("last summer", "in 1998") is what puts an event on the timeline.
    "time": 1.0,
    # A place ("in Lisbon", "to the beach") is the other half of a scene.
    "place": 0.8,
    # Other people involved ("with my brother") make it a shared episode.
    "participants": 0.4,
    # "I never went", "I didn't call": explicitly did not happen.
    "negated": -3.5,
    # "I want to go", "I might", "if I had": hypothetical, wished, or future.
    "modal": -2.5,
    # A question asks rather than tells.
    "question": -1.5,
    # A bare "to <verb>" clause ("what to say", "taught me to fish") is a purpose or a
    # complement, rarely the event itself.
    "infinitive": -1.0,
}

STATIVE = frozenset(
    [
        "be", "have", "seem", "know", "think", "believe", "like", "love", "hate", "want", "need",
        "feel", "mean", "own", "prefer", "understand", "wish", "hope", "appear", "belong",
        "contain", "cost", "matter", "consist", "deserve", "doubt", "guess", "imagine", "suppose",
        "agree", "disagree", "care", "mind", "remember", "forget", "realize", "realise",
        "recognize", "depend", "include", "involve", "lack", "owe", "possess"
    ]
)


def sigmoid(x: float) -> float:
    """Logistic function."""
    return 1.0 / (1.0 + math.exp(-x))


def score(features: dict[str, float]) -> float:
    """Probability-like 0..1 score that a clause with these features narrates an event."""
    z = BIAS + sum(WEIGHTS[name] * value for name, value in features.items())
    return round(sigmoid(z), 4)
