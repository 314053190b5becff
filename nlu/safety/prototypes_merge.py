"""Turn a prototype score into an assessment when the rules found nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nlu.safety.assessment import CATEGORIES, RiskAssessment, level_for

if TYPE_CHECKING:
    from nlu.safety.prototypes import ProtoConfig, ProtoScore

# Scores given to an embedding-only flag: never "high" (no rule saw a plan or a time).
ELEVATED_SCORE = 0.60
LOW_SCORE = 0.35


def merge(rules: RiskAssessment, proto: ProtoScore, config: ProtoConfig) -> RiskAssessment:
    """Rules first; a confident, clearly-not-idiom prototype match adds a flag."""
    cat, sim = proto.best_risk
    if sim < config.min_similarity or proto.margin < config.min_margin:
        return rules
    score = ELEVATED_SCORE if sim >= config.elevated_similarity else LOW_SCORE
    categories = {c: (score if c == cat else rules.categories.get(c, 0.0)) for c in CATEGORIES}
    return RiskAssessment(
        level=level_for(max(categories.values())),
        categories=categories,
        matched=[*rules.matched, f"emb.{cat}"],
        reasons=[*rules.reasons, f"close to known {cat.replace('_', ' ')} phrasings"],
    )
