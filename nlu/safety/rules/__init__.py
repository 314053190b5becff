"""The risk rule table, in evaluation order (past-tense rules before present ones)."""

from nlu.safety.rules import abuse, self_harm, suicide, violence
from nlu.safety.rules.base import Rule

RULES: tuple[Rule, ...] = suicide.RULES + self_harm.RULES + abuse.RULES + violence.RULES

__all__ = ["RULES", "Rule"]
