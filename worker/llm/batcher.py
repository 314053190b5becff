"""Several users' installments drafted in one batch, each through their own adapter.

The generate worker runs a few job slots (threads, each an RQ worker) and one model
thread. A slot writing an installment hands its drafting to the model thread and waits.
The model thread takes the first request that arrives, waits a short window for the
requests of the other slots busy with a job (not at all when there are none), and samples
them all in one call (:func:`worker.llm.batch.generate`), every row through its user's
adapter (:meth:`worker.llm.adapters.AdapterPool.routing`). Everything else that touches
the model (perplexity under a user's adapter, loading adapters) also runs on the model
thread, so peft's state never changes under a running batch. Scoring with spaCy and the
emotion classifier stays in the slots, overlapping the next batch.

Batches are formed per call, not per step: a request that arrives while a batch runs
waits for it to finish (no continuous batching; vLLM does that, see worker.llm.vllm).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from worker.llm import batch
from worker.llm.adapters import AdapterPool, AdapterSource
from worker.llm.model import LanguageModel
from worker.ops import metrics

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Task:
    """Work for the model thread: drafts to sample, or a call to run there."""

    requests: list[batch.Request] = field(default_factory=list)
    sampling: batch.Sampling | None = None
    source: AdapterSource | None = None  # the adapter, loaded on the model thread if needed
    call: Callable[[], Any] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    seconds: float = 0.0
    batch_rows: int = 0

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error = result, error
        self.done.set()


class Batcher:
    """The model thread of a generate worker."""

    def __init__(self, pool: AdapterPool, window_s: float, max_rows: int, slots: int) -> None:
        self.pool = pool
        self.window_s = window_s
        self.max_rows = max(1, max_rows)
        self.slots = max(1, slots)  # how many requests can come at once: a batch stops waiting
        self.closing = threading.Event()
        self._queue: queue.Queue[_Task | None] = queue.Queue()
        self._held: deque[_Task] = deque()  # taken while forming a batch, not fitting it
        self._thread = threading.Thread(target=self._loop, name="storyloom-model", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Stop the model thread: a batch in hand stops at its next token, and its slots get
        BatcherClosed; so does anything still waiting."""
        self.closing.set()
        self._queue.put(None)
        self._thread.join(timeout)

    def _submit(self, task: _Task) -> _Task:
        if self.closing.is_set():
            raise BatcherClosed("the worker is stopping")
        self._queue.put(task)
        while not task.done.wait(0.5):  # wakes now and then, so a stopping slot can be told
            if self.closing.is_set() and not self._thread.is_alive():
                raise BatcherClosed("the worker is stopping")
        if task.error is not None:
            raise task.error
        return task

    def call(self, fn: Callable[[], T]) -> T:
        """Run fn on the model thread and return what it returns."""
        result: T = self._submit(_Task(call=fn)).result
        return result

    def draft(self, request: batch.Request, sampling: batch.Sampling,
              source: AdapterSource | None) -> tuple[list[list[int]], float, int]:
        """(the request's rows, seconds its batch took, rows in that batch)."""
        rows, seconds, batch_rows = self.draft_many([request], sampling, source)
        return rows[0], seconds, batch_rows

    def draft_many(self, requests: list[batch.Request], sampling: batch.Sampling,
                   source: AdapterSource | None) -> tuple[list[list[list[int]]], float, int]:
        """Several prompts of one slot, sampled together (in a batch with other slots')."""
        task = self._submit(_Task(requests=list(requests), sampling=sampling, source=source))
        return task.result, task.seconds, task.batch_rows

    def drop(self, names: list[str]) -> int:
        """Unload adapters on the model thread (their users were forgotten); how many held."""
        return self.call(lambda: sum(self.pool.drop(n) for n in names))

    def _next(self, timeout: float | None) -> _Task | None:
        """The next task (None: none came in time, or the batcher is closing)."""
        if self._held:
            return self._held.popleft()
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def _fits(self, tasks: list[_Task], task: _Task) -> bool:
        first = tasks[0]
        if not task.requests or task.sampling != first.sampling:
            return False
        rows = sum(batch.rows_of(t.requests) for t in [*tasks, task])
        adapters = {r.adapter for t in [*tasks, task] for r in t.requests}
        return rows <= self.max_rows and len(adapters - {None}) <= self.pool.capacity

    def _loop(self) -> None:
        while not self.closing.is_set():
            task = self._next(None)
            if task is None:
                continue
            if task.call is not None:
                self._run_call(task)
                continue
            tasks, deadline = [task], time.monotonic() + self.window_s
            while len(tasks) < self.slots and not self.closing.is_set():
                more = self._next(max(0.0, deadline - time.monotonic()))
                if more is None:
                    break
                if not self._fits(tasks, more):
                    self._held.append(more)
                    break
                tasks.append(more)
            self._run_batch(tasks)
        for left in [*self._held, *iter_queue(self._queue)]:
            left.finish(error=BatcherClosed("the worker is stopping"))

    def _run_call(self, task: _Task) -> None:
        assert task.call is not None
        try:
            task.finish(task.call())
        except BaseException as exc:  # handed to the waiting slot, raised there
            task.finish(error=exc)

    def _loaded(self, tasks: list[_Task]) -> list[_Task]:
        """The tasks whose adapter is held now; one whose adapter cannot load fails alone."""
        ready = []
        for t in tasks:
            adapter = t.requests[0].adapter
            try:
                if adapter is not None and t.source is not None:
                    self.pool.load_source(t.source)
            except Exception as exc:  # e.g. deleted with its user: that user's job fails
                t.finish(error=exc)
                continue
            ready.append(t)
        return ready

    def _run_batch(self, tasks: list[_Task]) -> None:
        tasks = self._loaded(tasks)
        if not tasks:
            return
        requests = [r for t in tasks for r in t.requests]
        try:
            assert tasks[0].sampling is not None
            rows, seconds = batch.generate(self.pool.lm.model, self.pool.lm.tokenizer.pad_token_id,
                                           requests, tasks[0].sampling, self.pool.routing,
                                           stop=self.closing)
            if self.closing.is_set():  # cut short: these drafts are not whole
                raise BatcherClosed("the worker is stopping")
        except BaseException as exc:
            for t in tasks:
                t.finish(error=exc)
            return
        total = batch.rows_of(requests)
        metrics.BATCH_REQUESTS.observe(len(requests))
        if len(requests) > 1:
            logger.info("drafted %d requests (%d rows, %d adapters) in one batch in %.1fs",
                        len(requests), total, len({r.adapter for r in requests} - {None}),
                        seconds)
        at = 0
        for t in tasks:
            t.seconds, t.batch_rows = seconds, total
            t.finish(rows[at: at + len(t.requests)])
            at += len(t.requests)


class BatcherClosed(RuntimeError):
    """The worker is stopping: no more drafting in this process (the job will be retried)."""


def iter_queue(tasks: queue.Queue[_Task | None]) -> Iterator[_Task]:
    """What is left in a queue, taken without waiting."""
    while True:
        try:
            task = tasks.get_nowait()
        except queue.Empty:
            return
        if task is not None:
            yield task


class ServedModel(LanguageModel):
    """One user's view of the worker's model: every call goes through the model thread,
    with the user's adapter (source None: the base model, with no adapter active)."""

    def __init__(self, batcher: Batcher, source: AdapterSource | None) -> None:
        lm = batcher.pool.lm
        adapter = source.name if source is not None else None
        identity = lm.identity if adapter is None else f"{lm.identity}+lora:{adapter}"
        super().__init__(lm.model, lm.tokenizer, identity, lm.device)
        self.batcher = batcher
        self.adapter = adapter
        self.source = source

    def _draft_many(self, requests: list[batch.Request],
                    sampling: batch.Sampling) -> tuple[list[list[list[int]]], float, int]:
        """Through the model thread, in a batch with other slots' requests."""
        mine = [dataclasses.replace(r, adapter=self.adapter) for r in requests]
        return self.batcher.draft_many(mine, sampling, self.source)

    def perplexity(self, texts: list[str],
                   context: list[dict[str, str]] | None = None) -> list[float]:
        pool = self.batcher.pool

        def run() -> list[float]:
            if self.source is not None:
                pool.load_source(self.source)
            with pool.use(self.adapter) as lm:
                return lm.perplexity(texts, context)

        return self.batcher.call(run)
