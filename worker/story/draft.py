"""What an installment is made of before delivery: a round of free drafts, or the written text."""

from __future__ import annotations

from dataclasses import dataclass

from worker.llm.model import Generation
from worker.store.records import ChatMessage, DraftScores, GenerationStats, SourcedSentence
from worker.story.prompt import Prompt
from worker.story.rerank import best


@dataclass
class Draft:
    """What one round of generation produced: raw drafts and their repaired versions."""

    prompt: Prompt
    generation: Generation
    texts: list[str]
    scores: list[DraftScores]
    final_texts: list[str]
    final_scores: list[DraftScores]

    def choose(self) -> int | None:
        """The draft to deliver (see rerank.best)."""
        return best(self.scores, self.final_scores)

    def extend(self, more: Draft) -> Draft:
        """This round and another of the same prompt, as one pool of drafts."""
        a, b = self.generation.stats, more.generation.stats
        tokens, seconds = a.new_tokens + b.new_tokens, a.seconds + b.seconds
        rate = round(tokens / seconds, 2) if seconds else 0.0
        stats = a.model_copy(update={"new_tokens": tokens, "seconds": round(seconds, 3),
                                     "tokens_per_s": rate})
        return Draft(self.prompt, Generation(self.generation.texts + more.generation.texts, stats),
                     self.texts + more.texts, self.scores + more.scores,
                     self.final_texts + more.final_texts, self.final_scores + more.final_scores)


@dataclass
class Written:
    """An installment ready to deliver, however it was written."""

    text: str
    sentences: tuple[SourcedSentence, ...]
    scores: DraftScores | None
    stats: GenerationStats
    prompt: tuple[ChatMessage, ...] = ()
    prefix: str = ""
    first_draft: DraftScores | None = None
    best_raw: DraftScores | None = None
    repaired: bool = False
    drafts: int = 1
    context_parts: int = 0
    round_: Draft | None = None  # free drafting: the drafts the preference pair comes from
    chosen: int = 0
