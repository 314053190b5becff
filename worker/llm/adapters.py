"""Many users' LoRA adapters served on one base model.

The pool wraps the worker's one base model in a peft model the first time an
adapter is needed and then only adds or drops adapters on it (``load_adapter``
/ ``delete_adapter``, least recently used first): loading an adapter never
reloads the base. :meth:`AdapterPool.use` serves one user's story through
their adapter; :meth:`AdapterPool.generate_mixed` runs one batch whose rows
each use a different adapter, or none: through :mod:`worker.llm.gathered` (two batched
products per layer), or peft's ``adapter_names`` for adapters that path cannot serve.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from worker.llm.model import LanguageModel
from worker.ops import metrics

if TYPE_CHECKING:
    from worker.settings import Settings
    from worker.store.store import Store

logger = logging.getLogger(__name__)

# peft's name for batch rows that use no adapter
BASE = "__base__"


def adapter_name(version_id: str) -> str:
    """The name an adapter version is loaded under (peft names must be plain words)."""
    return f"v{version_id}"


@dataclass(frozen=True)
class AdapterSource:
    """One adapter and where its files come from: a folder (tests, benchmarks), or a user's
    sealed version in the adapter store, opened only while it loads."""

    name: str
    folder: Path | None = None
    store: Store | None = None
    user: str = ""
    version_id: str = ""

    @contextmanager
    def files(self) -> Iterator[Path]:
        """The adapter's files for a block."""
        if self.folder is not None:
            yield self.folder
            return
        assert self.store is not None
        with self.store.adapter_files(self.user, self.version_id) as folder:
            yield folder


def unavailable(user: str, version_id: str, reason: str) -> None:
    """Say loudly that an adapter exists but cannot be had (never a silent base model)."""
    metrics.ADAPTER_UNAVAILABLE.labels(reason=reason).inc()
    logger.error("user %s: adapter %s exists but is %s; writing with the base model",
                 user, version_id, reason)


def user_adapter(settings: Settings, store: Store, user: str) -> AdapterSource | None:
    """The adapter a user's story is written with; None: the base model (said loudly when
    the user has one that cannot be had)."""
    current = store.current_adapter(user) if settings.storyloom_serve_adapters else None
    if current is None:
        return None
    if not store.has_adapter_files(user, current.version_id):
        unavailable(user, current.version_id, "missing")
        return None
    return AdapterSource(adapter_name(current.version_id), store=store, user=user,
                         version_id=current.version_id)


class AdapterPool:
    """An LRU cache of adapters on the one base model of a LanguageModel."""

    def __init__(self, lm: LanguageModel, capacity: int) -> None:
        self.lm = lm
        self.capacity = max(1, capacity)
        self.peft: Any = None
        self._loaded: OrderedDict[str, str] = OrderedDict()
        self.loads = 0

    @property
    def loaded(self) -> list[str]:
        """Names of the adapters held now, least recently used first."""
        return list(self._loaded)

    def load_source(self, source: AdapterSource) -> None:
        """Hold an adapter, opening its files only if it is not held already."""
        if source.name in self._loaded:
            self._loaded.move_to_end(source.name)
            return
        with source.files() as folder:
            self.load(source.name, folder)

    def drop(self, name: str) -> bool:
        """Unload an adapter (its user was forgotten); True when it was held."""
        if name not in self._loaded:
            return False
        del self._loaded[name]
        others = list(self._loaded)
        if others:
            self.peft.set_adapter(others[-1])
        self.peft.delete_adapter(name)
        logger.info("adapter %s unloaded", name)
        return True

    def load(self, name: str, path: Path | str) -> None:
        """Hold an adapter (a no-op when held); the least recently used one may go."""
        if name in self._loaded:
            self._loaded.move_to_end(name)
            return
        if self.peft is None:
            from peft import PeftModel

            self.peft = PeftModel.from_pretrained(self.lm.model, str(path), adapter_name=name)
            self.peft.eval()
        else:
            self.peft.load_adapter(str(path), adapter_name=name)
        self._loaded[name] = str(path)
        self.loads += 1
        while len(self._loaded) > self.capacity:
            old, _ = self._loaded.popitem(last=False)
            self.peft.set_adapter(name)
            self.peft.delete_adapter(old)
            logger.info("adapter %s dropped from the cache", old)

    @contextmanager
    def use(self, name: str | None, path: Path | str | None = None) -> Iterator[LanguageModel]:
        """The model with one adapter active (None: the base model) for a block."""
        if name is None:
            if self.peft is None:
                yield self.lm
                return
            with self.peft.disable_adapter():
                yield self.lm
            return
        if path is not None or name not in self._loaded:
            self.load(name, path if path is not None else self._loaded[name])
        self._loaded.move_to_end(name)
        self.peft.set_adapter(name)
        yield LanguageModel(self.lm.model, self.lm.tokenizer,
                            f"{self.lm.identity}+lora:{name}", self.lm.device)

    @contextmanager
    def for_user(self, settings: Settings, store: Store, user: str) -> Iterator[LanguageModel]:
        """The model with the user's promoted adapter active, or the base if they have none."""
        served = user_adapter(settings, store, user)
        if served is not None:
            self.load_source(served)
        with self.use(served.name if served else None) as lm:
            yield lm

    def _batch(self, prompts: Sequence[list[int]]) -> tuple[Any, Any]:
        import torch

        pad = self.lm.tokenizer.pad_token_id
        width = max(len(p) for p in prompts)
        ids = [[pad] * (width - len(p)) + p for p in prompts]  # left: continue at the edge
        mask = [[0] * (width - len(p)) + [1] * len(p) for p in prompts]
        return (torch.tensor(ids, device=self.lm.device),
                torch.tensor(mask, device=self.lm.device))

    def generate_mixed(self, prompts: Sequence[list[int]], adapters: Sequence[str | None],
                       max_new_tokens: int) -> list[list[int]]:
        """Greedy continuations of a batch, row i through adapter i (None: the base)."""
        import torch

        input_ids, mask = self._batch(prompts)
        with self.routing(adapters) as (model, kwargs), torch.inference_mode():
            out = model.generate(input_ids=input_ids, attention_mask=mask, do_sample=False,
                                 max_new_tokens=max_new_tokens, min_new_tokens=max_new_tokens,
                                 pad_token_id=self.lm.tokenizer.pad_token_id, **kwargs)
        return [row.tolist() for row in out[:, input_ids.shape[1]:]]

    @contextmanager
    def routing(self, adapters: Sequence[str | None]) -> Iterator[tuple[Any, dict[str, Any]]]:
        """(the model to call, its extra generate arguments) for rows through these adapters."""
        from worker.llm import gathered

        if self.peft is None or all(a is None for a in adapters):
            with self.use(None) as lm:
                yield lm.model, {}
            return
        names = [a for a in adapters if a is not None]
        for name in dict.fromkeys(names):  # held now, and the most recently used
            self.load(name, self._loaded[name])
        if gathered.supported(self.peft, names):
            with gathered.routed(self.peft, adapters):
                yield self.peft, {}
            return
        yield self.peft, {"adapter_names": [a if a is not None else BASE for a in adapters]}
