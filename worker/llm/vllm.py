"""Generation through a vLLM server's OpenAI-compatible API, with per-user LoRA adapters.

vLLM (started with ``--enable-lora`` and ``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``) loads
adapters at run time through ``POST /v1/load_lora_adapter`` and serves one by its name
as the ``model`` of ``POST /v1/chat/completions``; requests for many adapters are batched
by the server. The adapter folders must be visible to the server under
``STORYLOOM_VLLM_ADAPTER_ROOT`` (a shared volume holding the data folder's adapters).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import httpx

from worker.llm.adapters import adapter_name

if TYPE_CHECKING:
    from worker.settings import Settings
    from worker.store import Store

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

    def adapter_for(self, store: Store, user: str) -> str | None:
        """The served name of the user's promoted adapter, loaded on the server; None: base."""
        current = store.current_adapter(user) if self.settings.storyloom_serve_adapters else None
        if current is None:
            return None
        from urllib.parse import quote

        name = adapter_name(current.version_id)
        root = self.settings.storyloom_vllm_adapter_root.rstrip("/")
        self.ensure_adapter(name, f"{root}/{quote(user, safe='')}/{current.version_id}")
        return name

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

    def generate_for_user(self, store: Store, user: str, messages: list[dict[str, str]],
                          **kwargs: Any) -> list[str]:
        """Answers for one user through their promoted adapter."""
        return self.generate(messages, self.adapter_for(store, user), **kwargs)
