"""Apply the rule table to one turn: guards, negation, tense, then per-category scores."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.safety.assessment import CATEGORIES, OTHER_PREFIX, Category
from nlu.safety.rules import RULES, Rule
from nlu.safety.rules.cues import (
    CLAUSE_BREAK,
    DISTANT,
    IDIOM,
    IMMINENT,
    JOKE,
    MEDIA,
    NEGATION,
    NEGATION_WINDOW_WORDS,
    ONCE,
    PAST_VERB,
    PETTY_CONDITION,
    RECENT,
    RECOVERY,
    SAFE_STATEMENT,
)
from nlu.safety.text import sentences

# A resolved or distant past keeps a counselor-visible flag, nothing more.
PAST_CAP = 0.40
# A past event that happened days ago is a present danger.
RECENT_FLOOR: dict[Category, float] = {
    "suicidal_ideation": 0.88,
    "self_harm": 0.70,
    "abuse": 0.85,
    "harm_to_others": 0.85,
}
IMMINENT_FLOOR = 0.90
_IMMINENT_CATEGORIES = ("suicidal_ideation", "harm_to_others")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Hit:
    """One accepted rule match: the rule, its adjusted weight and a note on the adjustment."""

    rule: Rule
    weight: float
    note: str | None = None


def rule_hits(text: str) -> list[Hit]:
    """All accepted rule matches in normalised text, one per rule per sentence."""
    recovered = RECOVERY.search(text) is not None
    hits: list[Hit] = []
    for sentence in sentences(text):
        hits.extend(_sentence_hits(sentence, recovered))
    return hits


def _sentence_hits(sentence: str, recovered: bool) -> list[Hit]:
    return sentence_verdict(sentence, recovered)[0]


def sentence_verdict(sentence: str, recovered: bool = False) -> tuple[list[Hit], bool]:
    """Accepted hits in one normalised sentence, and whether a guard cleared risk wording."""
    media = MEDIA.search(sentence) is not None
    taken: list[tuple[Category, int, int]] = []
    hits: list[Hit] = []
    cleared = False
    for r in RULES:
        for m in r.pattern.finditer(sentence):
            if _overlaps(taken, r.category, m.start(), m.end()):
                continue
            if _guarded(r, sentence, m, media):
                cleared = True
                continue
            hit = _adjust(r, sentence, m, recovered)
            if hit.weight <= 0.0:
                cleared = True
                continue
            hits.append(hit)
            taken.append((r.category, m.start(), m.end()))
            break
    return hits, cleared


def backstop_blocked(sentence: str) -> bool:
    """True when a normalised sentence must not be flagged by embeddings alone."""
    if IDIOM.search(sentence) or MEDIA.search(sentence) or SAFE_STATEMENT.search(sentence):
        return True
    hits, cleared = sentence_verdict(sentence)
    return cleared and not hits


def _guarded(r: Rule, sentence: str, m: re.Match[str], media: bool) -> bool:
    """An idiom/accident guard, a negation or a fiction context explains the match away."""
    if r.unless is not None and r.unless.search(sentence):
        return True
    if r.negatable and _negated(sentence, m.start(), m.end()):
        return True
    return media and (r.id.startswith(OTHER_PREFIX) or _quoted(sentence, m.start()))


def _overlaps(taken: list[tuple[Category, int, int]], cat: Category, start: int, end: int) -> bool:
    return any(c == cat and start < e and s < end for c, s, e in taken)


def _negated(sentence: str, start: int, end: int) -> bool:
    """A negation cue in the few words before the match, or early in it, within one clause."""
    prefix = sentence[:start]
    breaks = [b.end() for b in CLAUSE_BREAK.finditer(prefix)]
    if breaks:
        prefix = prefix[breaks[-1]:]
    head = CLAUSE_BREAK.split(sentence[start:end], maxsplit=1)[0]
    window = _WORD.findall(prefix)[-NEGATION_WINDOW_WORDS:] + _WORD.findall(head)
    return NEGATION.search(" ".join(window)) is not None


def _quoted(sentence: str, start: int) -> bool:
    return sentence[:start].count('"') % 2 == 1


def _adjust(r: Rule, sentence: str, m: re.Match[str], recovered: bool) -> Hit:
    """Weight the match by tense, time, recovery, imminence and hyperbole."""
    before = sentence[max(0, m.start() - 30): m.end()]
    distant = DISTANT.search(sentence) is not None or ONCE.search(sentence) is not None
    past = r.past or distant or PAST_VERB.search(before) is not None
    if r.category == "harm_to_others" and JOKE.search(sentence):
        return Hit(r, 0.0)
    if past:
        if RECENT.search(sentence):
            return Hit(r, max(r.weight, RECENT_FLOOR[r.category]), "recent")
        if distant or recovered:
            return Hit(r, min(r.weight, PAST_CAP), "in the past")
        return Hit(r, r.weight)
    if r.category in _IMMINENT_CATEGORIES and IMMINENT.search(sentence):
        return Hit(r, max(r.weight, IMMINENT_FLOOR), "imminent")
    if r.category == "harm_to_others" and PETTY_CONDITION.search(sentence):
        return Hit(r, 0.0)
    return Hit(r, r.weight)


def category_scores(hits: list[Hit]) -> dict[Category, float]:
    """Noisy-OR of the strongest hit per rule: independent signals add up."""
    best: dict[str, Hit] = {}
    for h in hits:
        if h.rule.id not in best or h.weight > best[h.rule.id].weight:
            best[h.rule.id] = h
    scores: dict[Category, float] = {}
    for cat in CATEGORIES:
        miss = 1.0
        for h in best.values():
            if h.rule.category == cat:
                miss *= 1.0 - h.weight
        scores[cat] = round(1.0 - miss, 3)
    return scores
