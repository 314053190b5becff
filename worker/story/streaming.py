"""Showing an installment while it is written, without contradicting the reranker.

All drafts are sampled in one batched call. While they grow, the draft that
leads at that moment (the most planned people, places and times so far; on a
tie the one already shown) is published, word by word, to a per-request Redis
stream that adapters able to edit or print live text read. Text is published
only while it passes output moderation. When every draft is done they are
scored, the best is repaired and delivered as the installment: it may be a
different draft than the one shown, so adapters show the preview as
"being written" and then the final text. A preview is never a delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nlu.safety import moderate
from worker.store.records import StoryProgress
from worker.story import anchors

# Publish every few tokens: a word or two at a time, without flooding Redis.
EVERY_TOKENS = 4


class DraftStreamer:
    """A transformers streamer for a batch of drafts (HF's own ones take batch size 1)."""

    def __init__(self, on_tokens: Callable[[list[list[int]]], None],
                 every: int = EVERY_TOKENS) -> None:
        self.on_tokens = on_tokens
        self.every = every
        self.rows: list[list[int]] = []
        self._seen_prompt = False
        self._steps = 0

    def put(self, value: Any) -> None:
        """Called by generate: first with the prompt, then with one token per row per step."""
        if not self._seen_prompt:
            self._seen_prompt = True
            return
        tokens = value.reshape(-1).tolist()
        if not self.rows:
            self.rows = [[] for _ in tokens]
        for row, token in zip(self.rows, tokens, strict=False):
            row.append(int(token))
        self._steps += 1
        if self._steps % self.every == 0:
            self.on_tokens(self.rows)

    def end(self) -> None:
        """Called by generate when it is done."""
        if self.rows:
            self.on_tokens(self.rows)


class LivePreview:
    """Publishes the leading draft's text so far, while it passes moderation."""

    def __init__(self, publish: Callable[[StoryProgress], None], request_id: str,
                 decode: Callable[[list[int]], str], prefix: str,
                 planned: Sequence[anchors.Anchor], known_people: Sequence[str]) -> None:
        self.publish = publish
        self.request_id = request_id
        self.decode = decode
        self.prefix = prefix
        self.planned = tuple(planned)
        self.known_people = list(known_people)
        self.leader: int | None = None
        self.shown = ""
        self.stopped = False

    def _text(self, row: list[int]) -> str:
        text = (self.prefix + self.decode(row)).strip()
        cut = text.rfind(" ")  # a word still being written is not shown yet
        return text[:cut] if cut > 0 else text

    def __call__(self, rows: list[list[int]]) -> None:
        if self.stopped:
            return
        texts = [self._text(r) for r in rows]
        safe = [i for i, t in enumerate(texts)
                if moderate(t, known_people=self.known_people).ok]
        if not safe:
            self.stopped = True  # nothing we could show; the final answer decides
            return
        hits = {i: anchors.coverage(self.planned, texts[i]) for i in safe}
        best = max(safe, key=lambda i: (hits[i], i == self.leader, -i))
        self.leader = best
        if texts[best] != self.shown:
            self.shown = texts[best]
            self.publish(StoryProgress(request_id=self.request_id, draft=best, text=self.shown))
