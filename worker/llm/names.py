"""Decoding that cannot start a name the user never used.

A logits processor step (applied by :class:`worker.llm.batch.RowSampler`): after the first
word of a sentence, a token that starts a capitalised word (" Elena", " Lisbon") is allowed
only when it is how one of the user's own capitalised words begins. Sentence-initial words
stay free ("The", "Every"); "I" is always allowed. A name is thus never begun from
nothing; what a multi-token word becomes afterwards is the sentence checks' job
(worker.story.checks), which also see every delivered sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_CAPITAL_START = re.compile(r"^\s[A-Z]")
_ENDS_SENTENCE = re.compile(r"[.!?\n:\"\u201d]\s*$")


@dataclass(frozen=True)
class TokenClasses:
    """Per tokenizer: which tokens start a capitalised word, which end a sentence."""

    capital: Any  # bool tensor over the vocabulary
    ends: Any  # bool tensor over the vocabulary


@lru_cache(maxsize=4)
def _classes(tokenizer: Any) -> TokenClasses:
    import torch

    size = len(tokenizer)
    pieces = tokenizer.batch_decode([[i] for i in range(size)])
    capital = torch.tensor([bool(_CAPITAL_START.match(p)) for p in pieces])
    ends = torch.tensor([bool(_ENDS_SENTENCE.search(p)) for p in pieces])
    return TokenClasses(capital, ends)


class NameGuard:
    """Bans, mid-sentence, every capitalised word start but those of the allowed words."""

    def __init__(self, tokenizer: Any, allowed: Iterable[str]) -> None:
        classes = _classes(tokenizer)
        banned = classes.capital.clone()
        for word in {"I", *allowed}:
            for variant in (word, word.capitalize()):
                ids = tokenizer(" " + variant, add_special_tokens=False)["input_ids"]
                if ids:
                    banned[ids[0]] = False
        self.banned = banned
        self.ends = classes.ends

    def apply(self, input_ids: Any, scores: Any) -> Any:
        """Scores with banned word starts at -inf for rows that are mid-sentence."""
        import torch

        width = scores.shape[-1]
        banned = self.banned[:width].to(scores.device)
        ends = self.ends.to(input_ids.device)
        last = input_ids[:, -1]
        mid = ~ends[last.clamp(max=len(ends) - 1)]
        mask = mid[:, None] & banned[None, :]
        return torch.where(mask, torch.full_like(scores, float("-inf")), scores)
