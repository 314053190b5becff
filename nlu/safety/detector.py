"""Risk detection on incoming user turns: transparent rules, optionally backed by embeddings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nlu.safety.assessment import (
    CATEGORIES,
    Category,
    RiskAssessment,
    empty_assessment,
    level_for,
)
from nlu.safety.rules_engine import Hit, category_scores, rule_hits
from nlu.safety.text import as_text, bound, normalise

if TYPE_CHECKING:
    from nlu.safety.prototypes import PrototypeScorer

logger = logging.getLogger(__name__)


def assess_rules(text: object) -> RiskAssessment:
    """Assess one turn with the rule table alone (no model, microseconds to a millisecond)."""
    raw = as_text(text)
    if raw is None:
        return empty_assessment("input was not text")
    bounded, cut = bound(raw)
    norm = normalise(bounded)
    if not norm.strip():
        return empty_assessment()
    hits = rule_hits(norm)
    return build_assessment(hits, category_scores(hits), cut=cut)


def build_assessment(
    hits: list[Hit],
    scores: dict[Category, float],
    *,
    cut: bool = False,
    extra_matched: Sequence[str] = (),
    extra_reasons: Sequence[str] = (),
) -> RiskAssessment:
    """Assemble the record: level from the top score, rule ids and reasons, never user text."""
    ordered = sorted(hits, key=lambda h: -h.weight)
    matched = list(dict.fromkeys([h.rule.id for h in ordered] + list(extra_matched)))
    reasons = [f"{h.rule.reason} ({h.note})" if h.note else h.rule.reason for h in ordered]
    reasons = list(dict.fromkeys(reasons + list(extra_reasons)))
    if cut:
        reasons.append("long input: only its beginning and end were assessed")
    top = max(scores.values(), default=0.0)
    return RiskAssessment(
        level=level_for(top), categories=scores, matched=matched, reasons=reasons
    )


def assess_risk(text: str) -> RiskAssessment:
    """Assess one user turn for suicide, self-harm, abuse and harm-to-others risk."""
    return assess_rules(text)


class RiskDetector:
    """Batched risk assessment; with embeddings on, rules are backed by nearest-prototype scores."""

    def __init__(self, *, use_embeddings: bool = False, model_dir: str | None = None) -> None:
        self.use_embeddings = use_embeddings
        self.model_dir = model_dir
        self._scorer: PrototypeScorer | None = None

    def load(self) -> RiskDetector:
        """Load the sentence encoder and embed the exemplars (once per process)."""
        if self.use_embeddings and self._scorer is None:
            from nlu.safety.prototypes import PrototypeScorer

            self._scorer = PrototypeScorer.load(self.model_dir)
            logger.info("risk prototypes loaded: %s exemplars", self._scorer.size)
        return self

    @property
    def scorer(self) -> PrototypeScorer | None:
        """The loaded prototype scorer, if embeddings are on and loaded."""
        return self._scorer

    def assess(self, texts: Sequence[object]) -> list[RiskAssessment]:
        """Assess a batch of turns; order is preserved."""
        rule_results = [assess_rules(t) for t in texts]
        if not self.use_embeddings:
            return rule_results
        self.load()
        assert self._scorer is not None
        return self._scorer.combine(texts, rule_results)

    def assess_one(self, text: object) -> RiskAssessment:
        """Assess a single turn."""
        return self.assess([text])[0]


__all__ = ["CATEGORIES", "RiskDetector", "assess_risk", "assess_rules", "build_assessment"]
