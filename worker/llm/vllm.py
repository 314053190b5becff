"""Generation through a vLLM server's OpenAI-compatible API, with per-user LoRA adapters.

vLLM (started with ``--enable-lora`` and ``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``) loads
adapters at run time through ``POST /v1/load_lora_adapter`` and serves one by its name
as the ``model`` of ``POST /v1/completions`` or ``/v1/chat/completions``; requests for
many adapters are batched by the server (continuously, per step). Adapters are kept sealed
in the adapter store; the worker opens a user's version into ``STORYLOOM_VLLM_ADAPTER_ROOT``
(a folder only the worker and the server share, at the same path: a memory-backed volume)
and asks the server to load it from there. When the user is forgotten the worker asks the
server to unload it (``POST /v1/unload_lora_adapter``) and deletes the opened copy.

With ``STORYLOOM_BACKEND=vllm`` the story engine writes through :class:`VllmModel`: the
worker keeps only the tokenizer, renders the chat (and the answer's first words) to token
ids itself, samples the drafts with ``/v1/completions`` (``n`` drafts, the request's
seed) and scores their perplexity from the prompt's log-probabilities (``echo`` with
``logprobs``), each through the user's adapter.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from worker.llm.adapters import adapter_name, unavailable
from worker.llm.model import Generation, LanguageModel
from worker.store.records import GenerationStats

if TYPE_CHECKING:
    from worker.settings import Settings
    from worker.store.store import Store

logger = logging.getLogger(__name__)


class VllmError(RuntimeError):
    """The vLLM server refused or failed a request."""


class VllmBackend:
    """A client of one vLLM server: loads users' adapters once, then generates with them."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.model = settings.storyloom_vllm_model
        self.http = client or httpx.Client(base_url=settings.storyloom_vllm_url, timeout=120)
        self.loaded: set[str] = set()

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        reply = self.http.post(path, json=body)
        if reply.status_code >= 400:
            raise VllmError(f"{path}: HTTP {reply.status_code}")
        return reply

    def ensure_adapter(self, name: str, server_path: str) -> None:
        """Have the server hold an adapter (once per name)."""
        if name in self.loaded:
            return
        reply = self.http.post("/v1/load_lora_adapter",
                               json={"lora_name": name, "lora_path": server_path})
        # vLLM answers 400 for an adapter it already holds (another worker loaded it)
        if reply.status_code >= 400 and "already" not in reply.text.lower():
            raise VllmError(f"/v1/load_lora_adapter: HTTP {reply.status_code}")
        self.loaded.add(name)

    def _staged(self, name: str) -> Path:
        return Path(self.settings.storyloom_vllm_adapter_root) / name

    def adapter_for(self, store: Store, user: str) -> str | None:
        """The served name of the user's promoted adapter, loaded on the server; None: base."""
        current = store.current_adapter(user) if self.settings.storyloom_serve_adapters else None
        if current is None:
            return None
        name = adapter_name(current.version_id)
        if name in self.loaded:
            return name
        if not store.has_adapter_files(user, current.version_id):
            unavailable(user, current.version_id, "missing")
            return None
        staged = self._staged(name)
        with store.adapter_files(user, current.version_id) as folder:
            staged.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copytree(folder, staged, dirs_exist_ok=True)
        self.ensure_adapter(name, str(staged))
        return name

    def unload(self, name: str) -> None:
        """Have the server drop an adapter (its user was forgotten), and its opened copy."""
        reply = self.http.post("/v1/unload_lora_adapter", json={"lora_name": name})
        # 404: the server does not hold it (never loaded, or restarted since)
        if reply.status_code >= 400 and reply.status_code != 404:
            raise VllmError(f"/v1/unload_lora_adapter: HTTP {reply.status_code}")
        self.loaded.discard(name)
        shutil.rmtree(self._staged(name), ignore_errors=True)

    def generate(self, messages: list[dict[str, str]], adapter: str | None, *,
                 max_new_tokens: int, temperature: float, top_p: float, n: int = 1,
                 seed: int | None = None) -> list[str]:
        """n sampled answers to a chat, through the adapter (None: the base model)."""
        body: dict[str, Any] = {"model": adapter or self.model, "messages": messages,
                                "max_tokens": max_new_tokens, "temperature": temperature,
                                "top_p": top_p, "n": n}
        if seed is not None:
            body["seed"] = seed
        choices = self._post("/v1/chat/completions", body).json()["choices"]
        return [c["message"]["content"] for c in sorted(choices, key=lambda c: c["index"])]

    def complete(self, prompt: list[int], adapter: str | None, *, max_new_tokens: int,
                 temperature: float, top_p: float, n: int, seed: int | None,
                 repetition_penalty: float = 1.1, top_k: int = 50) -> tuple[list[str], int]:
        """(n sampled continuations of token ids, the tokens generated in all), sampled as
        the local backend samples (worker.llm.batch.Sampling's defaults)."""
        body: dict[str, Any] = {"model": adapter or self.model, "prompt": prompt,
                                "max_tokens": max_new_tokens, "temperature": temperature,
                                "top_p": top_p, "top_k": top_k, "n": n,
                                "repetition_penalty": repetition_penalty}
        if seed is not None:
            body["seed"] = seed
        reply = self._post("/v1/completions", body).json()
        choices = sorted(reply["choices"], key=lambda c: c["index"])
        return [c["text"] for c in choices], int(reply.get("usage", {}).get("completion_tokens", 0))

    def prompt_logprobs(self, prompts: list[list[int]], adapter: str | None) -> list[list[float]]:
        """Each prompt's per-token log-probabilities (from its second token on), in one call."""
        body = {"model": adapter or self.model, "prompt": prompts, "max_tokens": 1,
                "echo": True, "logprobs": 0, "temperature": 0.0}
        choices = sorted(self._post("/v1/completions", body).json()["choices"],
                         key=lambda c: c["index"])
        out = []
        for prompt, choice in zip(prompts, choices, strict=True):
            values = choice["logprobs"]["token_logprobs"][1:len(prompt)]  # the first is null
            out.append([float(v) for v in values])
        return out

    def generate_for_user(self, store: Store, user: str, messages: list[dict[str, str]],
                          **kwargs: Any) -> list[str]:
        """Answers for one user through their promoted adapter."""
        return self.generate(messages, self.adapter_for(store, user), **kwargs)


class VllmModel(LanguageModel):
    """One user's story model on a vLLM server: the tokenizer here, the weights there."""

    def __init__(self, backend: VllmBackend, tokenizer: Any, context_length: int,
                 adapter: str | None) -> None:
        identity = backend.model if adapter is None else f"{backend.model}+lora:{adapter}"
        super().__init__(None, tokenizer, identity, "vllm")
        self.backend = backend
        self.adapter = adapter
        self._context = context_length

    @property
    def context_length(self) -> int:
        return self._context

    def generate(self, messages: list[dict[str, str]], *, prefix: str = "",
                 max_new_tokens: int, temperature: float, top_p: float,
                 seed: int | None = None, num_return_sequences: int = 1,
                 streamer: Any = None) -> Generation:
        """Drafts sampled by the server (no live preview: the server streams no tokens here)."""
        import time

        prompt = self.story_prompt(messages, prefix, max_new_tokens)
        started = time.perf_counter()
        texts, tokens = self.backend.complete(
            prompt, self.adapter, max_new_tokens=max_new_tokens, temperature=temperature,
            top_p=top_p, n=num_return_sequences, seed=seed)
        seconds = time.perf_counter() - started
        generation = self.finish([], prefix, len(prompt), seconds, num_return_sequences)
        stats = generation.stats.model_copy(update={
            "new_tokens": tokens,
            "tokens_per_s": round(tokens / max(seconds, 1e-6), 2)})
        return Generation(texts=[(prefix + t).strip() for t in texts], stats=stats)

    def sample(self, chats: list[list[dict[str, str]]], *, rows: int, max_new_tokens: int,
               temperature: float, top_p: float, seed: int | None = None,
               guard: Any = None) -> tuple[list[list[str]], GenerationStats]:
        """rows answers to each chat from the server (the name guard runs only locally; the
        sentence checks see every answer either way)."""
        import time

        started, tokens, out = time.perf_counter(), 0, []
        for i, chat in enumerate(chats):
            prompt = self.story_prompt(chat, "", max_new_tokens)
            texts, used = self.backend.complete(
                prompt, self.adapter, max_new_tokens=max_new_tokens, temperature=temperature,
                top_p=top_p, n=rows, seed=None if seed is None else seed + i)
            out.append([t.strip() for t in texts])
            tokens += used
        seconds = time.perf_counter() - started
        return out, GenerationStats(model=self.identity, prompt_tokens=0, new_tokens=tokens,
                                    seconds=round(seconds, 3),
                                    tokens_per_s=round(tokens / max(seconds, 1e-6), 2),
                                    batch_rows=rows * len(chats))

    def perplexity(self, texts: list[str],
                   context: list[dict[str, str]] | None = None) -> list[float]:
        import math

        head = self.encode_chat(context) if context else []
        prompts, starts, out = [], [], []
        for text in texts:
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
            full = (head + ids)[-self.context_length:]
            prompts.append(full)
            starts.append(max(len(full) - len(ids), 1))
        scored = iter(self.backend.prompt_logprobs([p for p in prompts if len(p) > 1],
                                                   self.adapter))
        for prompt, start in zip(prompts, starts, strict=True):
            values = next(scored)[start - 1:] if len(prompt) > 1 else []
            out.append(math.exp(-sum(values) / len(values)) if values else float("nan"))
        return out
