"""The risk record produced for every incoming user turn."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Category = Literal["suicidal_ideation", "self_harm", "abuse", "harm_to_others"]
Level = Literal["none", "low", "elevated", "high"]

CATEGORIES: tuple[Category, ...] = ("suicidal_ideation", "self_harm", "abuse", "harm_to_others")
LEVELS: tuple[Level, ...] = ("none", "low", "elevated", "high")

# Score thresholds: a single direct statement ("I want to die") lands in
# "elevated"; plan, means, imminence or a recent attempt lands in "high";
# ambiguous distress and resolved past risk land in "low" (a flag for a
# counselor, no interruption of the conversation).
LEVEL_FLOORS: tuple[tuple[float, Level], ...] = (
    (0.80, "high"),
    (0.55, "elevated"),
    (0.30, "low"),
)

# Rule ids for statements about someone other than the user carry this prefix.
OTHER_PREFIX = "other."


def level_for(score: float) -> Level:
    """Map a category score in [0, 1] to a risk level."""
    for floor, level in LEVEL_FLOORS:
        if score >= floor:
            return level
    return "none"


class RiskAssessment(BaseModel):
    """Risk found in one user turn: level, per-category scores, rule ids, reasons."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    level: Level
    categories: dict[Category, float]
    matched: list[str]
    reasons: list[str]

    @property
    def flagged(self) -> bool:
        """True when any risk was found, however low."""
        return self.level != "none"

    @property
    def needs_crisis_reply(self) -> bool:
        """True when the turn should get a crisis reply and story generation should pause."""
        return self.level in ("elevated", "high")

    @property
    def about_someone_else(self) -> bool:
        """True when every matched rule concerns a third party, not the user."""
        return bool(self.matched) and all(m.startswith(OTHER_PREFIX) for m in self.matched)

    @property
    def top_category(self) -> Category | None:
        """The highest scoring category, or None when nothing scored."""
        best = max(CATEGORIES, key=lambda c: self.categories.get(c, 0.0))
        return best if self.categories.get(best, 0.0) > 0.0 else None


def empty_assessment(reason: str | None = None) -> RiskAssessment:
    """An assessment with no risk found."""
    return RiskAssessment(
        level="none",
        categories={c: 0.0 for c in CATEGORIES},
        matched=[],
        reasons=[reason] if reason else [],
    )
