"""Fusion and reranking: score every draft, keep the best safe one, repair it.

Each draft is scored on faithfulness (share of planned people, places and
times it mentions), invented names, tone match, fluency (the model's own
perplexity), repetition and variety (distinct-2); every draft goes through
output moderation and a failing one is never chosen. The chosen draft is then repaired: sentences
naming people or places the user never mentioned are dropped, and a beat the
draft left out is told in the user's own words.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nlu.safety import moderate
from worker.store.records import DraftScores
from worker.story import anchors
from worker.story.planner import Plan
from worker.story.scoring import distinct_2, invented_names, repetition, sentences
from worker.story.tones import tone_match


@dataclass(frozen=True)
class Weights:
    """How the criteria trade off in a draft's total (higher is better)."""

    faithfulness: float = 3.0  # telling what was planned is the point of an installment
    invented: float = 1.5  # per invented name (at most 3): a stranger in a memoir breaks trust
    tone: float = 1.0
    tone_ok: float = 2.0  # the mood the user asked for is what they notice first
    told_itself: float = 1.0  # prefer a draft that told the beats before any repair
    fluency: float = 1.0  # per unit of log-perplexity (given the prompt)
    repetition: float = 2.0
    distinct: float = 10.0  # per unit of distinct-2: 0.03 more distinct bigrams = 0.3 points
    min_words: int = 25  # shorter is a fragment, not a paragraph
    short: float = 1.0


WEIGHTS = Weights()


# a worker's job slots share one spaCy pipeline and one classifier
_SCORERS = threading.Lock()


@dataclass(frozen=True)
class Judge:
    """What scoring needs: the plan, the tone, the scorers and what the user told."""

    plan: Plan
    tone: str
    known: set[str]
    known_people: Sequence[str]
    earlier: Sequence[str]
    nlp: Any
    classifier: Any
    perplexity: Callable[[list[str]], list[float]]


def total(s: DraftScores, n_words: int, w: Weights = WEIGHTS) -> float:
    """A draft's overall score; unsafe drafts are never chosen, whatever their total."""
    ppl = s.perplexity if math.isfinite(s.perplexity) and s.perplexity > 0 else 1e4
    value = (w.faithfulness * s.faithfulness - w.invented * min(len(s.invented), 3)
             + w.tone * s.tone_match + w.tone_ok * s.tone_ok - w.fluency * math.log(ppl)
             - w.repetition * s.repetition + w.distinct * s.distinct_2)
    return round(value - (w.short if n_words < w.min_words else 0.0), 4)


def score(texts: list[str], judge: Judge) -> list[DraftScores]:
    """Scores of each text against the plan and tone (one batch per scorer)."""
    if not texts:
        return []
    with _SCORERS:
        invented = invented_names(judge.nlp, texts, judge.known)
        emotions = judge.classifier.predict(texts)
    ppls = judge.perplexity(texts)
    planned = judge.plan.anchors
    out = []
    for text, names, emo, ppl in zip(texts, invented, emotions, ppls, strict=True):
        missed = anchors.missing(planned, text)
        tone = tone_match(emo.emotions, judge.tone)
        safe = moderate(text, known_people=list(judge.known_people)).ok
        ppl = ppl if math.isfinite(ppl) else 1e4
        s = DraftScores(
            faithfulness=round(1 - len(missed) / len(planned), 4) if planned else 1.0,
            planned=len(planned), missing=tuple(a.label for a in missed),
            invented=tuple(names), tone_match=tone.score, tone_ok=tone.ok,
            perplexity=round(ppl, 3), repetition=repetition(text, judge.earlier),
            distinct_2=distinct_2(text), safe=safe,
        )
        out.append(s.model_copy(update={"total": total(s, len(text.split()))}))
    return out


def best(scores: Sequence[DraftScores], final: Sequence[DraftScores] | None = None,
         w: Weights = WEIGHTS) -> int | None:
    """Index of the best draft, judged as it would be delivered (after repair) and by how
    much it told by itself; None when every draft failed moderation, before or after."""
    after = scores if final is None else final
    safe = [i for i in range(len(scores)) if scores[i].safe and after[i].safe]
    if not safe:
        return None
    return max(safe, key=lambda i: (after[i].total + w.told_itself * scores[i].faithfulness, -i))


def _drop(parts: list[str], bad: Callable[[str], bool]) -> list[str]:
    kept = [p for p in parts if not bad(p)]
    return kept or parts[:1]


def repair(text: str, scores: DraftScores, judge: Judge) -> str:
    """The draft without invented names or copied sentences, and with every beat told."""
    parts = sentences(text)
    if scores.invented:
        names = [n.lower() for n in scores.invented]
        parts = _drop(parts, lambda s: any(n in s.lower() for n in names))
    if scores.repetition:
        seen: set[str] = set()
        earlier = {" ".join(anchors.words(s)) for t in judge.earlier for s in sentences(t)}

        def copied(s: str) -> bool:
            key = " ".join(anchors.words(s))
            dup = key in seen or key in earlier
            seen.add(key)
            return dup and len(key.split()) >= 4
        parts = _drop(parts, copied)
    for k in range(len(judge.plan.beats)):
        parts = _tell_beat(parts, k, judge.plan)
    return " ".join(parts)


def _tell_beat(parts: list[str], k: int, plan: Plan) -> list[str]:
    """Make sure beat k is told: its time put in front, or its own words inserted."""
    beat = plan.beats[k]
    missed = anchors.missing(beat.anchors, " ".join(parts))
    if not missed:
        return parts
    if all(a.kind == "time" for a in missed):
        at = _first_mention(parts, [a for a in beat.anchors if a not in missed])
        times = [a for a in plan.anchors if a.kind == "time"]
        if at is not None and _first_mention([parts[at]], times) is None:
            phrase = anchors.time_phrase(missed[0].label)
            return [*parts[:at], f"{phrase}, {_lower_start(parts[at])}", *parts[at + 1:]]
    clause = _clauses_telling(beat.text, missed)
    echo = _echo(parts, clause)
    if echo is not None:  # the draft told this moment its own (wrong) way: use the user's
        return [*parts[:echo], clause, *parts[echo + 1:]]
    later = [a for b in plan.beats[k + 1:] for a in b.anchors]
    at = _first_mention(parts, later)
    at = len(parts) if at is None else at
    return [*parts[:at], clause, *parts[at:]]


def _trigrams(text: str) -> set[tuple[str, ...]]:
    w = anchors.words(text)
    return set(zip(w, w[1:], w[2:], strict=False))


def _echo(parts: list[str], clause: str) -> int | None:
    """The sentence that already retells the clause's words (shares a word trigram), if any."""
    mine = _trigrams(clause)
    shared = [(len(mine & _trigrams(p)), i) for i, p in enumerate(parts)]
    count, at = max(shared, default=(0, 0))
    return at if count else None


def _clauses_telling(text: str, missed: Sequence[anchors.Anchor]) -> str:
    """The clauses of a beat that carry what is missing (not its whole text, whose other
    clauses the draft already told in its own way and in the asked tone)."""
    clauses = [c.strip() for c in text.rstrip(".").split(";") if c.strip()]
    needed = [c for c in clauses if any(a.found_in(set(anchors.words(c))) for a in missed)]
    out = "; ".join(needed or clauses)
    return out[:1].upper() + out[1:] + "."


_COMMON_STARTS = frozenset(str.split(
    "you your we our they their he his she her it its the a an then there this that one"))


def _lower_start(sentence: str) -> str:
    first = sentence.split(" ", 1)[0]
    return sentence[:1].lower() + sentence[1:] if first.lower() in _COMMON_STARTS else sentence


def _first_mention(parts: list[str], wanted: Sequence[anchors.Anchor]) -> int | None:
    for i, s in enumerate(parts):
        vocabulary = set(anchors.words(s))
        if any(a.found_in(vocabulary) for a in wanted):
            return i
    return None
