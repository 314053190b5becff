"""Benchmark rows about the system around the model: NLU, ingest, RQ.

These use a real Redis (the configured one, or the embedded one) under a
throwaway key prefix and RQ queue name, removed afterwards.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType

import redis

from bench.model import Row, best_of
from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# keeps a core busy with generation, the way a generate worker beside the adapter would
SATURATE = """
import sys, torch
torch.set_num_threads(1)
from worker.llm.model import LanguageModel
from worker.settings import load_settings
lm = LanguageModel.load(load_settings())
print("ready", flush=True)
while True:
    lm.generate([{"role": "user", "content": "Tell me a story."}], max_new_tokens=32,
                temperature=0.8, top_p=0.9)
"""


def load_script(name: str) -> ModuleType | None:
    """scripts/<name>.py as a module (other engineers' benchmark functions), or None."""
    path = ROOT / "scripts" / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"storyloom_scripts_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def row_nlu(n: int, repeat: int) -> Row:
    """The whole NLU stage against bare nlp.pipe of the stock pipeline (scripts/bench_nlu.py)."""
    bench = load_script("bench_nlu")
    if bench is None:
        return Row("NLU stage vs bare nlp.pipe", None, "", "", "scripts/bench_nlu.py missing")
    import spacy

    from nlu.emotions import precision_of
    from nlu.pipeline import Analyzer
    from nlu.spacy_model import MODEL_NAMES, load_pipeline

    stock = spacy.load(MODEL_NAMES[-1])
    analyzer = Analyzer(load_pipeline())
    turns = bench.make_turns(n)
    texts = [t[1] for t in turns]
    list(stock.pipe(texts[:32]))
    list(analyzer.analyze_stream(turns[:32]))
    pipe_s = bench.best_of(repeat, lambda: list(stock.pipe(texts, batch_size=256)))[0]
    stage_s = bench.best_of(repeat, lambda: list(analyzer.analyze_stream(turns, 256)))[0]
    return Row("NLU stage vs bare nlp.pipe", pipe_s / stage_s,
               f"{n / stage_s:.0f} vs {n / pipe_s:.0f} turns/s",
               f"{n} synthetic turns (scripts/bench_nlu.py), batch 256, stock "
               f"{stock.meta['name']}; emotions {precision_of(analyzer.emotions)}")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ingest_latencies(client: redis.Redis, settings: Settings, n: int) -> list[float]:
    from worker.conversation.intake import receive_text
    from worker.store.keys import Keys
    from worker.store.store import Store

    store = Store(client, Keys(settings.storyloom_key_prefix))
    out = []
    for i in range(n):
        started = time.perf_counter()
        receive_text(store, settings, user=f"bench:{i % 10}", platform="bench", chat_id="b",
                     text="My grandmother Maria taught me to bake bread in Lisbon.")
        out.append(time.perf_counter() - started)
    return out


def _saturating_generator(settings: Settings) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), STORYLOOM_CACHE_DIR=str(
        settings.storyloom_cache_dir.resolve()), STORYLOOM_DEVICE="cpu", OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", SATURATE], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the generation load did not start")
    time.sleep(2.0)  # into steady decoding
    return proc


def row_ingest(client: redis.Redis, settings: Settings, n: int) -> Row:
    """Ingest latency (intake -> Redis) with a core saturated by generation vs idle."""
    bench = settings.model_copy(update={"storyloom_key_prefix": f"bench-{uuid.uuid4().hex[:8]}"})
    idle = _ingest_latencies(client, bench, n)
    load = _saturating_generator(settings)
    try:
        busy = _ingest_latencies(client, bench, n)
    finally:
        load.kill()
        load.wait()
        _drop_prefix(client, bench.storyloom_key_prefix)
    p50, p99 = _percentile(busy, 0.5) * 1e3, _percentile(busy, 0.99) * 1e3
    i50, i99 = _percentile(idle, 0.5) * 1e3, _percentile(idle, 0.99) * 1e3
    return Row("ingest p99 under generation vs idle", p99 / i99,
               f"p50 {p50:.2f} / p99 {p99:.2f} ms vs p50 {i50:.2f} / p99 {i99:.2f} ms",
               f"{n} receive_text calls each; one generation process on 1 thread; "
               f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")


def noop() -> int:
    """The job of the RQ overhead benchmark: nothing."""
    return 0


def row_rq(client: redis.Redis, jobs: int, installment_s: float, tokens: int) -> Row:
    """RQ's cost per job (enqueue + dequeue + bookkeeping) as a share of one installment."""
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    name = f"bench-{uuid.uuid4().hex[:8]}"
    q = Queue(name, connection=client, serializer=JSONSerializer)
    worker = SimpleWorker([q], connection=client, serializer=JSONSerializer)

    def run() -> None:
        for _ in range(jobs):
            q.enqueue("bench.system.noop", result_ttl=60)
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")

    try:
        per_job = best_of(2, run) / jobs
    finally:
        q.delete(delete_jobs=True)
        for registry in (q.finished_job_registry, q.failed_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
    return Row("RQ overhead per job vs one installment", per_job / installment_s,
               f"{per_job * 1e3:.1f} ms vs {installment_s:.1f} s",
               f"{jobs} no-op jobs through a SimpleWorker (burst); installment = prefill "
               f"+ {tokens} tokens at the measured batch-1 speed")


def _drop_prefix(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i:i + 500])


def row_pacing(seconds: float = 6.0, factor: float = 1.5) -> Row:
    """Telegram sends through the adapter's pacer at 1.5x the cap (scripts/bench_pacing.py)."""
    bench = load_script("bench_pacing")
    if bench is None:
        return Row("outbound pacing", None, "", "", "scripts/bench_pacing.py missing")
    r = bench.measure(seconds, factor)
    return Row(f"Telegram pacing at {factor}x load vs cap",
               r["delivered_per_s"] / r["cap_per_s"],
               f"{r['delivered_per_s']} vs {r['cap_per_s']} msg/s; {r['http_429']} HTTP 429",
               f"local Bot API enforcing 1/s per chat and 30/s overall; {r['offered_per_s']:.0f}"
               f" msg/s offered to {r['chats']} chats for {seconds:.0f}s; targets: 0 x 429, "
               f">= 0.9x")
