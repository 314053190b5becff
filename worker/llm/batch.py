"""One sampling call for several story requests, each with its own prompt, adapter and seed.

A request asks for ``rows`` drafts of one prompt. Each prompt is encoded once, its cache
copied to its drafts (on a CPU the prompt is most of the work), and the prompts of all the
requests in the batch are left-padded into one. Sampling happens here, not in
``generate``: each request draws from its own seeded generator, and the repetition
penalty ignores padding, so a request's drafts do not depend on who shared its batch
(up to float rounding). The streamer of each request sees only its own rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any


@dataclass
class Request:
    """rows drafts of one prompt, through one adapter (None: the base model)."""

    prompt: list[int]
    rows: int
    seed: int | None = None
    adapter: str | None = None
    streamer: Any = None
    # token ids that may not start a word except at a sentence's start (worker.llm.names)
    guard: Any = None
    # a bool tensor over the vocabulary: a row ends at the first such token (one sentence)
    ends: Any = None


@dataclass(frozen=True)
class Sampling:
    """How every request of one batch is sampled (a batch shares its length and warpers)."""

    max_new_tokens: int
    temperature: float
    top_p: float
    repetition_penalty: float = 1.1
    top_k: int = 50  # transformers' default for sampling, which the drafts were tuned with


# A routing: given one adapter per batch row, a context holding the model to call and the
# extra arguments its forward and generate take (worker.llm.adapters.AdapterPool.routing).
Routing = Callable[[Sequence[str | None]], AbstractContextManager[tuple[Any, dict[str, Any]]]]


class RowSampler:
    """A logits processor that samples each request's rows with its own generator.

    It returns logits that allow only the sampled token, so ``generate`` runs greedy.
    """

    def __init__(self, requests: Sequence[Request], sampling: Sampling, pad_left: Any,
                 device: str) -> None:
        import torch
        from transformers import TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper

        self.groups: list[tuple[int, int, Any]] = []
        self.guards: list[tuple[int, int, Any]] = []
        start = 0
        for r in requests:
            gen = torch.Generator(device=device)
            gen.manual_seed(r.seed if r.seed is not None else random.randrange(2**63))
            self.groups.append((start, start + r.rows, gen))
            if r.guard is not None:
                self.guards.append((start, start + r.rows, r.guard))
            start += r.rows
        self.pad_left = pad_left  # per row: how many padding tokens its prompt starts with
        self.penalty = sampling.repetition_penalty
        self.warpers: list[Any] = [TemperatureLogitsWarper(sampling.temperature)]
        if sampling.top_k > 0:
            self.warpers.append(TopKLogitsWarper(sampling.top_k))
        self.warpers.append(TopPLogitsWarper(sampling.top_p))

    def _penalise(self, input_ids: Any, scores: Any) -> Any:
        """The repetition penalty over each row's own tokens (padding is not a token seen)."""
        import torch

        if self.penalty == 1.0:
            return scores
        ids = input_ids
        width = int(self.pad_left.max())
        if width:
            cols = torch.arange(input_ids.shape[1], device=ids.device)
            padding = cols[None, :] < self.pad_left[:, None]
            first = ids.gather(1, self.pad_left[:, None])  # a real token of the row
            ids = torch.where(padding, first, ids)  # penalising it twice changes nothing
        seen = scores.gather(1, ids)
        seen = torch.where(seen < 0, seen * self.penalty, seen / self.penalty)
        return scores.scatter(1, ids, seen)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        scores = self._penalise(input_ids, scores.float())
        for start, end, guard in self.guards:
            scores[start:end] = guard.apply(input_ids[start:end], scores[start:end])
        for warp in self.warpers:
            scores = warp(input_ids, scores)
        probs = torch.softmax(scores, dim=-1)
        chosen = torch.empty(scores.shape[0], dtype=torch.long, device=scores.device)
        for start, end, gen in self.groups:
            chosen[start:end] = torch.multinomial(probs[start:end], 1, generator=gen)[:, 0]
        only = torch.full_like(scores, float("-inf"))
        return only.scatter(1, chosen[:, None], 0.0)


class FanOut:
    """A generate streamer that gives each request's streamer its own rows."""

    def __init__(self, requests: Sequence[Request]) -> None:
        self.parts: list[tuple[int, int, Any]] = []
        start = 0
        for r in requests:
            if r.streamer is not None:
                self.parts.append((start, start + r.rows, r.streamer))
            start += r.rows

    def put(self, value: Any) -> None:
        for start, end, streamer in self.parts:
            streamer.put(value[start:end])

    def end(self) -> None:
        for _, _, streamer in self.parts:
            streamer.end()


def _plain(model: Any) -> Routing:
    def route(adapters: Sequence[str | None]) -> AbstractContextManager[tuple[Any, dict]]:
        return nullcontext((model, {}))
    return route


def stopping(event: Any) -> Any:
    """A generate stopping criterion: every row stops at once when the event is set."""
    import torch
    from transformers import StoppingCriteria

    class Stop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool,
                              device=input_ids.device)

    return Stop()


def sentence_stop(requests: Sequence[Request], width: int) -> Any:
    """A generate stopping criterion: rows of requests with ``ends`` stop at their first
    sentence end (after a few tokens), so short answers do not run to max_new_tokens."""
    import torch
    from transformers import StoppingCriteria

    bounds, start = [], 0
    for r in requests:
        if r.ends is not None:
            bounds.append((start, start + r.rows, r.ends))
        start += r.rows

    class Stop(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
            if input_ids.shape[1] - width < 3:
                return done
            last = input_ids[:, -1]
            for lo, hi, ends in bounds:
                table = ends.to(input_ids.device)
                done[lo:hi] = table[last[lo:hi].clamp(max=len(table) - 1)]
            return done

    return Stop()


def generate(model: Any, pad: int, requests: Sequence[Request], sampling: Sampling,
             routing: Routing | None = None,
             stop: Any = None) -> tuple[list[list[list[int]]], float]:
    """New tokens of every request's rows (padding stripped by the caller), and seconds taken.

    stop: an event (threading.Event) that ends the batch at the next token when set."""
    import torch

    route = routing or _plain(model)
    device = next(model.parameters()).device
    width = max(len(r.prompt) for r in requests)
    ids = torch.tensor([[pad] * (width - len(r.prompt)) + r.prompt for r in requests],
                       device=device)
    mask = (torch.arange(width, device=device)[None, :]
            >= torch.tensor([width - len(r.prompt) for r in requests], device=device)[:, None])
    mask = mask.long()
    per_row = torch.repeat_interleave(torch.arange(len(requests), device=device),
                                      torch.tensor([r.rows for r in requests], device=device))
    row_adapters = [r.adapter for r in requests for _ in range(r.rows)]
    sampler = RowSampler(requests, sampling, (1 - mask).sum(1)[per_row], str(device))
    started = time.perf_counter()
    shared: dict[str, Any] = {}
    with torch.inference_mode():
        if width > 1:
            # each prompt (but its last token) encoded once; its cache copied to its drafts
            from transformers import DynamicCache

            cache = DynamicCache(config=model.config)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            with route([r.adapter for r in requests]) as (net, kwargs):
                net(input_ids=ids[:, :-1], attention_mask=mask[:, :-1],
                    position_ids=positions[:, :-1], cache=cache, use_cache=True, **kwargs)
            cache.batch_select_indices(per_row)
            shared = {"cache": cache}
        with route(row_adapters) as (net, kwargs):
            out = net.generate(
                input_ids=ids[per_row], attention_mask=mask[per_row], do_sample=False,
                max_new_tokens=sampling.max_new_tokens, logits_processor=[sampler],
                stopping_criteria=[c for c in (
                    stopping(stop) if stop is not None else None,
                    sentence_stop(requests, width) if any(r.ends is not None for r in requests)
                    else None) if c is not None] or None,
                streamer=FanOut(requests), pad_token_id=pad, **shared, **kwargs)
    seconds = time.perf_counter() - started
    new = out[:, width:].tolist()
    result, start = [], 0
    for r in requests:
        result.append(new[start:start + r.rows])
        start += r.rows
    return result, seconds


def rows_of(requests: Sequence[Request]) -> int:
    """How many batch rows some requests take."""
    return sum(r.rows for r in requests)
