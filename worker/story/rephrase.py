"""The model's bounded part: rephrasing one told sentence at a time.

For each sentence of an installment (already retold in the story's voice) the model,
through the user's own adapter, proposes a few rewordings in one batched call; decoding
cannot start a name the user never used (worker.llm.names). Every proposal then meets the
same checks as any delivered sentence (worker.story.checks) against the sentence it
retells; the fluent one (the model's own perplexity) that says it in other words wins, and
when none passes, the deterministic retelling stays. The model never adds a sentence.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from worker.story.anchors import words

SYSTEM = ("You rewrite one sentence of a person's life story. Keep every fact, name, place, "
          "time and number. Say it in other words or another order. Add nothing new.")
# Shots told in the first person, retold into the story's voice as the story is.
SHOTS = (
    ("I was very sad when my dog Max died.",
     "When my dog Max died, I was very sad."),
    ("My father repaired clocks in a little shop on the main street.",
     "In a little shop on the main street, my father repaired clocks."),
    ("I walked to school with my brother every day, even in the rain.",
     "Every day, even in the rain, my brother and I walked to school."),
)
# A rewording this close to the sentence it retells (word sequence) is the same sentence.
SAME_WORDING = 0.8


def wording_overlap(a: str, b: str) -> float:
    """How much of one sentence's word sequence another keeps (difflib ratio, 0..1)."""
    return difflib.SequenceMatcher(a=words(a), b=words(b), autojunk=False).ratio()


def chat_for(sentence: str, shots: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """The chat asking for one rewording."""
    messages = [{"role": "system", "content": SYSTEM}]
    for before, after in shots:
        messages += [{"role": "user", "content": f"Rewrite: {before}"},
                     {"role": "assistant", "content": after}]
    messages.append({"role": "user", "content": f"Rewrite: {sentence}"})
    return messages


_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def first_line(text: str) -> str:
    """The answer's first sentence, trimmed: a rewording is one sentence."""
    line = text.strip().split("\n", 1)[0].strip().strip("\"\u201c\u201d")
    return _SENTENCE_END.split(line, 1)[0].strip()


@dataclass
class Rephraser:
    """Proposals from the model, and the choice among those that pass the checks."""

    sample: Callable[..., tuple[list[list[str]], Any]]  # LanguageModel.sample
    perplexity: Callable[[list[str]], list[float]]
    samples: int = 4
    temperature: float = 0.8
    top_p: float = 0.95
    last_stats: Any = None  # the GenerationStats of the last propose call

    def propose(self, sentences: Sequence[str], shots: Sequence[tuple[str, str]],
                seed: int | None, guard: Any, count: Callable[[str], int]) -> list[list[str]]:
        """samples rewordings of each sentence (one batched call)."""
        if not sentences or self.samples <= 0:
            return [[] for _ in sentences]
        longest = max(count(s) for s in sentences)
        chats = [chat_for(s, shots) for s in sentences]
        texts, self.last_stats = self.sample(
            chats, rows=self.samples, max_new_tokens=min(96, int(longest * 1.5) + 8),
            temperature=self.temperature, top_p=self.top_p, seed=seed, guard=guard)
        return [list(dict.fromkeys(first_line(t) for t in row if first_line(t)))
                for row in texts]

    def ranked(self, source: str, passing: Sequence[str]) -> list[str]:
        """The passing rewordings that are not the same wording, most fluent first."""
        fresh = [p for p in passing if wording_overlap(p, source) < SAME_WORDING]
        if len(fresh) > 1:
            ppl = self.perplexity(fresh)
            fresh = [t for t, _ in sorted(zip(fresh, ppl, strict=True),
                                          key=lambda x: x[1] if math.isfinite(x[1]) else 1e9)]
        return fresh


def shots_for(retell_text: Callable[[str], str]) -> list[tuple[str, str]]:
    """The shots in the story's voice."""
    return [(retell_text(a), retell_text(b)) for a, b in SHOTS]
