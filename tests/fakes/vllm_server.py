"""A stand-in vLLM server on 127.0.0.1: vLLM's OpenAI-compatible routes, answered by the real
bundled model with real LoRA adapters.

Routes, as a vLLM server started with ``--enable-lora`` and
``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`` answers them:

- ``POST /v1/load_lora_adapter`` ``{"lora_name", "lora_path"}``: 200; 400 when the name is
  already loaded ("... has already been loaded") or no adapter is at the path.
- ``POST /v1/unload_lora_adapter`` ``{"lora_name"}``: 200; 404 when no adapter of that name
  is loaded.
- ``POST /v1/completions``: ``prompt`` as token ids or a list of them, ``n``, ``seed``,
  ``max_tokens``, ``temperature``, ``top_p``, ``top_k`` (-1: off), ``repetition_penalty``;
  ``echo`` with ``logprobs`` returns each prompt token's log-probability (the first is null).
- ``POST /v1/chat/completions``: ``messages`` through the model's chat template.
- ``model`` names the base model or a loaded adapter; anything else is a 404.

Every request is recorded in ``calls`` (path, model, body) for tests to inspect.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from worker.llm import batch
from worker.llm.adapters import AdapterPool
from worker.llm.model import LanguageModel


@dataclass
class Call:
    """One request the server answered."""

    path: str
    model: str | None
    body: dict[str, Any]


@dataclass
class FakeVllm:
    """The server's state: the base model's name, the adapters it holds, what it was asked."""

    lm: LanguageModel
    name: str
    pool: AdapterPool = field(init=False)
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    httpd: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.pool = AdapterPool(self.lm, capacity=64)

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeVllm:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, reply = server.answer(self.path, body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()

    def models(self, path: str) -> list[str]:
        """The model names the requests to a route asked for, in order."""
        return [c.model or "" for c in self.calls if c.path == path]

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:  # one request at a time on the one model
            self.calls.append(Call(path, body.get("model") or body.get("lora_name"), body))
            if path == "/v1/load_lora_adapter":
                return self._load(body["lora_name"], body["lora_path"])
            if path == "/v1/unload_lora_adapter":
                return self._unload(body["lora_name"])
            model = body.get("model")
            if path not in ("/v1/completions", "/v1/chat/completions"):
                return 404, error(f"no route {path}", "NotFoundError", 404)
            if model != self.name and model not in self.pool.loaded:
                return 404, error(f"The model `{model}` does not exist.", "NotFoundError", 404)
            adapter = None if model == self.name else model
            if path == "/v1/chat/completions":
                return 200, self._chat(body, adapter)
            return 200, self._complete(body, adapter)

    def _load(self, name: str, path: str) -> tuple[int, dict[str, Any]]:
        if name in self.pool.loaded:
            return 400, error(f"The lora adapter '{name}' has already been loaded.",
                              "InvalidUserInput", 400)
        if not (Path(path) / "adapter_config.json").is_file():
            return 400, error(f"No adapter found for {path}", "InvalidUserInput", 400)
        self.pool.load(name, path)
        return 200, {}

    def _unload(self, name: str) -> tuple[int, dict[str, Any]]:
        if not self.pool.drop(name):
            return 404, error(f"The lora adapter '{name}' cannot be found.", "NotFoundError", 404)
        return 200, {}

    def _sample(self, prompt: list[int], body: dict[str, Any],
                adapter: str | None) -> list[list[int]]:
        request = batch.Request(prompt=prompt, rows=int(body.get("n", 1)),
                                seed=body.get("seed"), adapter=adapter)
        sampling = batch.Sampling(int(body.get("max_tokens", 16)),
                                  max(float(body.get("temperature", 1.0)), 1e-5),
                                  float(body.get("top_p", 1.0)),
                                  float(body.get("repetition_penalty", 1.0)),
                                  max(int(body.get("top_k", -1)), 0))
        rows, _ = batch.generate(self.lm.model, self.lm.tokenizer.pad_token_id, [request],
                                 sampling, self.pool.routing)
        return rows[0]

    def _text(self, row: list[int]) -> tuple[str, int]:
        pad = self.lm.tokenizer.pad_token_id
        kept = [t for t in row if t != pad]
        return self.lm.tokenizer.decode(kept, skip_special_tokens=True), len(kept)

    def _complete(self, body: dict[str, Any], adapter: str | None) -> dict[str, Any]:
        prompts = body["prompt"]
        if prompts and isinstance(prompts[0], int):
            prompts = [prompts]
        choices, used, made = [], 0, 0
        for prompt in prompts:
            for row in self._sample(prompt, body, adapter):
                text, count = self._text(row)
                choice: dict[str, Any] = {"index": len(choices), "text": text,
                                          "logprobs": None, "finish_reason": "length"}
                if body.get("echo") and body.get("logprobs") is not None:
                    choice["logprobs"] = self._echo(prompt, row[:1], adapter)
                    choice["text"] = self.lm.tokenizer.decode(prompt) + text
                choices.append(choice)
                made += count
            used += len(prompt)
        return {"object": "text_completion", "model": body["model"], "choices": choices,
                "usage": {"prompt_tokens": used, "completion_tokens": made,
                          "total_tokens": used + made}}

    def _echo(self, prompt: list[int], new: list[int], adapter: str | None) -> dict[str, Any]:
        import torch

        ids = torch.tensor([prompt + new])
        with self.pool.routing([adapter]) as (net, kwargs), torch.inference_mode():
            logits = net(input_ids=ids, **kwargs).logits[0, :-1].float()
        picked = torch.log_softmax(logits, -1).gather(1, ids[0, 1:, None])[:, 0].tolist()
        tokens = [self.lm.tokenizer.decode([t]) for t in prompt + new]
        return {"tokens": tokens, "token_logprobs": [None, *picked], "top_logprobs": None,
                "text_offset": []}

    def _chat(self, body: dict[str, Any], adapter: str | None) -> dict[str, Any]:
        prompt = self.lm.encode_chat(body["messages"])
        choices, made = [], 0
        for row in self._sample(prompt, body, adapter):
            text, count = self._text(row)
            choices.append({"index": len(choices), "finish_reason": "length",
                            "message": {"role": "assistant", "content": text}})
            made += count
        return {"object": "chat.completion", "model": body["model"], "choices": choices,
                "usage": {"prompt_tokens": len(prompt), "completion_tokens": made,
                          "total_tokens": len(prompt) + made}}


def error(message: str, kind: str, code: int) -> dict[str, Any]:
    """vLLM's error body."""
    return {"object": "error", "message": message, "type": kind, "param": None, "code": code}
