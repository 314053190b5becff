"""What a long-lived worker process holds: settings, the store, the model.

A worker entry point builds one :class:`WorkerContext` and installs it; job
functions read it (RQ passes only the job's own arguments). The model is
loaded on first use and then kept for every later job.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from worker.settings import Settings
from worker.store.store import Store

if TYPE_CHECKING:
    import redis

    from worker.llm.adapters import AdapterPool
    from worker.llm.batcher import Batcher
    from worker.llm.model import LanguageModel
    from worker.llm.vllm import VllmBackend


@dataclass
class WorkerContext:
    """Per-process state shared by every job the process runs."""

    settings: Settings
    store: Store
    _model: LanguageModel | None = None
    _adapters: AdapterPool | None = None
    _batcher: Batcher | None = None
    _remote: tuple[VllmBackend, Any, int] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, settings: Settings, client: redis.Redis) -> WorkerContext:
        """A context over a Redis connection."""
        return cls(settings=settings, store=Store.from_settings(settings, client))

    def model(self) -> LanguageModel:
        """The language model, loaded once per process."""
        with self._lock:
            if self._model is None:
                from worker.llm.model import LanguageModel

                self._model = LanguageModel.load(self.settings)
            return self._model

    def adapters(self) -> AdapterPool:
        """The users' adapters on this process's one base model (an LRU cache)."""
        model = self.model()
        with self._lock:
            if self._adapters is None:
                from worker.llm.adapters import AdapterPool

                self._adapters = AdapterPool(model, self.settings.storyloom_adapter_cache)
            return self._adapters

    def batcher(self) -> Batcher:
        """The model thread that drafts every job slot's installments in shared batches."""
        pool = self.adapters()
        with self._lock:
            if self._batcher is None:
                from worker.llm.batcher import Batcher

                s = self.settings
                self._batcher = Batcher(pool, s.storyloom_batch_window_ms / 1000,
                                        s.storyloom_batch_max_rows, s.storyloom_generate_slots)
            return self._batcher

    def drop_adapters(self, version_ids: list[str]) -> None:
        """Unload the adapters of forgotten users wherever this process serves them."""
        from worker.llm.adapters import adapter_name

        names = [adapter_name(v) for v in version_ids]
        with self._lock:
            remote, batcher = self._remote, self._batcher
        if remote is not None:
            for name in names:
                remote[0].unload(name)
        if batcher is not None:
            batcher.drop(names)

    def close(self) -> None:
        """Stop the model thread, if one runs (a later job starts a new one)."""
        with self._lock:
            batcher, self._batcher = self._batcher, None
        if batcher is not None:
            batcher.close()

    def remote(self) -> tuple[VllmBackend, Any, int]:
        """(the vLLM client, the model's tokenizer, its context length): vllm backend only."""
        with self._lock:
            if self._remote is None:
                from transformers import AutoConfig, AutoTokenizer

                from worker.llm.model import resolve
                from worker.llm.vllm import VllmBackend

                source, _ = resolve(self.settings)
                config = AutoConfig.from_pretrained(source)
                self._remote = (VllmBackend(self.settings), AutoTokenizer.from_pretrained(source),
                                int(getattr(config, "max_position_embeddings", 2048)))
            return self._remote

    def model_for(self, user: str) -> LanguageModel:
        """The model as a user's story sees it: through their promoted adapter, if any."""
        from worker.llm.adapters import user_adapter
        from worker.llm.batcher import ServedModel

        if self.settings.storyloom_backend == "vllm":
            from worker.llm.vllm import VllmModel

            backend, tokenizer, context = self.remote()
            return VllmModel(backend, tokenizer, context, backend.adapter_for(self.store, user))
        served = user_adapter(self.settings, self.store, user)
        return ServedModel(self.batcher(), served)

    def base_model(self) -> LanguageModel:
        """The model with no user's adapter: what community weaves are written with. Through
        the model thread too, so no adapter can be active under it (peft wraps the base
        model in place once any user's adapter is loaded)."""
        if self.settings.storyloom_backend == "vllm":
            from worker.llm.vllm import VllmModel

            backend, tokenizer, context = self.remote()
            return VllmModel(backend, tokenizer, context, None)
        from worker.llm.batcher import ServedModel

        return ServedModel(self.batcher(), None)


_current: WorkerContext | None = None


def install(ctx: WorkerContext) -> None:
    """Make ctx the context jobs in this process use."""
    global _current
    _current = ctx


def current() -> WorkerContext:
    """The installed context; a job run outside a storyloom worker is a bug."""
    if _current is None:
        raise RuntimeError("no worker context installed: run jobs through a storyloom worker")
    return _current
