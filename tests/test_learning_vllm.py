"""The vLLM backend against a local stand-in server speaking vLLM's OpenAI-compatible routes
(/v1/load_lora_adapter, /v1/chat/completions; unknown models answer 404 as vLLM does)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from worker.llm.vllm import VllmBackend, VllmError
from worker.records import utcnow
from worker.runtime import WorkerContext
from worker.training import registry
from worker.training.config import train_config
from worker.training.records import AdapterMetrics, AdapterVersion

BASE = "HuggingFaceTB/SmolLM2-135M-Instruct"


class StandIn(BaseHTTPRequestHandler):
    """vLLM's routes, answered from memory: adapters by name, echoing completions."""

    adapters: dict[str, str] = {}
    loads: list[str] = []

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/v1/load_lora_adapter":
            name, path = body["lora_name"], body["lora_path"]
            if name in self.adapters:
                return self._reply(400, {"message": f"The lora adapter '{name}' has already "
                                         "been loaded."})
            if not Path(path).is_dir():
                return self._reply(400, {"message": "No adapter found"})
            self.adapters[name] = path
            self.loads.append(name)
            return self._reply(200, {})
        if self.path == "/v1/chat/completions":
            model = body["model"]
            if model != BASE and model not in self.adapters:
                return self._reply(404, {"message": f"The model `{model}` does not exist."})
            said = body["messages"][-1]["content"]
            return self._reply(200, {"object": "chat.completion", "model": model, "choices": [
                {"index": i, "message": {"role": "assistant", "content": f"{model}|{said}|{i}"},
                 "finish_reason": "length"} for i in range(body.get("n", 1))]})
        return self._reply(404, {"message": "not found"})


@pytest.fixture
def server() -> Iterator[str]:
    StandIn.adapters, StandIn.loads = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_each_user_is_served_through_their_adapter_loaded_once(
    ctx: WorkerContext, server: str
) -> None:
    settings = ctx.settings.model_copy(update={
        "storyloom_backend": "vllm", "storyloom_vllm_url": server,
        "storyloom_vllm_adapter_root": str(ctx.settings.storyloom_data_dir / "adapters")})
    version = AdapterVersion(
        version_id="abc123", user="local:ada", number=1, status="promoted", base_model=BASE,
        config=train_config(settings), started_at=utcnow(),
        metrics=AdapterMetrics(base=10, candidate=9, heldout_tokens=1, train_tokens=1))
    registry.version_dir(settings, "local:ada", version.version_id).mkdir(parents=True)
    registry.record(settings, ctx.store, version)
    backend = VllmBackend(settings)
    chat = [{"role": "user", "content": "the shop"}]
    args = {"max_new_tokens": 8, "temperature": 0.8, "top_p": 0.9}
    assert backend.generate_for_user(ctx.store, "local:ada", chat, n=2, **args) == [
        "vabc123|the shop|0", "vabc123|the shop|1"]
    backend.generate_for_user(ctx.store, "local:ada", chat, **args)
    assert StandIn.loads == ["vabc123"]  # loaded once, then reused
    assert backend.generate_for_user(ctx.store, "local:bob", chat, **args) == [
        f"{BASE}|the shop|0"]
    # another worker that loaded it first: the server's "already loaded" is not an error
    assert VllmBackend(settings).generate_for_user(ctx.store, "local:ada", chat, **args)
    with pytest.raises(VllmError):
        backend.generate(chat, "vnever-loaded", **args)
