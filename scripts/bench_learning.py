"""Measure the learning loop: perplexity before/after a fine-tune, its wall time and the share
spent loading and saving, adapter bytes against the base model's, and mixed-adapter batches.

The user's writing is examples/learning/user_memoir.txt (about 2,600 tokens of first-person
life story), told as one turn per paragraph and understood by the NLU worker; the fine-tune
holds every 7th paragraph out and reports perplexity on those, and the story engine's
measures of a probe installment drafted by the base model and by the candidate.
Then 8 adapters (the trained one and 7 copies with their
LoRA B matrices perturbed, so every row really runs a different adapter) serve:
one batch of 8 requests with 8 different adapters, the same batch on one adapter, and 8
sequential requests that switch adapter each time. Greedy, --tokens new tokens each.

Run: PYTHONPATH=. python scripts/bench_learning.py [--redis-url redis://127.0.0.1:6379/12]
     [--tokens 32] [--epochs 4] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.learning import serving  # noqa: E402
from worker.settings import Settings  # noqa: E402
from worker.store.crypto import MasterKey, new_data_key  # noqa: E402
from worker.store.store import Store  # noqa: E402

CORPUS = ROOT / "examples" / "learning" / "user_memoir.txt"
USER = "local:memoir"


def seed_turns(store: Store, settings: Settings, user: str, path: Path) -> int:
    """One turn per paragraph of the corpus, told in chat and understood by the NLU worker
    (so the profile holds the people, places and events the story probe tells)."""
    from nlu.pipeline import Analyzer
    from worker.conversation.intake import receive_text
    from worker.conversation.nlu_worker import NluWorker

    paragraphs = [p.strip() for p in path.read_text().split("\n\n") if p.strip()]
    for text in paragraphs:
        receive_text(store, settings, user=user, platform="local", chat_id=user, text=text)
    NluWorker(store, Analyzer()).run(burst=True, block_ms=100)
    return len(paragraphs)


def finetune(settings: Settings, store: Store) -> dict:
    """Load the base from disk, fine-tune, evaluate, save; the numbers of that run."""
    from worker.llm.model import LanguageModel
    from worker.training.jobs import run_finetune

    started = time.perf_counter()
    lm = LanguageModel.load(settings)
    load = time.perf_counter() - started
    version = run_finetune(settings, store, lm, USER, load_seconds=load,
                           progress=lambda s, t, loss: print(
                               f"  step {s}/{t} loss {loss:.3f}", file=sys.stderr))
    m = version.metrics
    return {"lm": lm, "version": version, "row": {
        "perplexity_base": round(m.base, 3), "perplexity_adapter": round(m.candidate, 3),
        "perplexity_drop": round(1 - m.candidate / m.base, 4),
        "train_tokens": m.train_tokens, "heldout_tokens": m.heldout_tokens,
        "epochs_run": m.epochs_run, "steps": m.steps, "status": version.status,
        "finetune_seconds": version.seconds, "load_save_seconds": version.load_save_seconds,
        "load_save_share": round(version.load_save_seconds / version.seconds, 4),
        **{f"story_{k}_{name}": getattr(story, k)
           for name, story in (("base", m.story_base), ("adapter", m.story_candidate))
           if story is not None for k in ("score", "faithfulness", "invented_rate",
                                          "tone_match", "distinct_2", "repetition")},
        "reason": version.reason,
    }}


def sizes(settings: Settings, version_dir: Path) -> dict:
    """Adapter weights' bytes against the base model's weights (safetensors files)."""
    from worker.llm.model import resolve

    base = sum(f.stat().st_size for f in Path(resolve(settings)[0]).glob("*.safetensors"))
    adapter = sum(f.stat().st_size for f in version_dir.glob("*.safetensors"))
    return {"adapter_bytes": adapter, "base_bytes": base, "adapter_share": round(adapter / base, 5)}


def variants(source: Path, out: Path, count: int) -> list[Path]:
    """count adapters: the trained one and copies whose LoRA B matrices are perturbed."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    paths = [source]
    weights = load_file(str(source / "adapter_model.safetensors"))
    for i in range(1, count):
        torch.manual_seed(i)
        changed = {k: v * (1 + 0.5 * torch.randn_like(v)) if "lora_B" in k else v
                   for k, v in weights.items()}
        target = out / f"variant{i}"
        shutil.copytree(source, target)
        save_file(changed, str(target / "adapter_model.safetensors"))
        paths.append(target)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-learning-"))
    settings = Settings(_env_file=None, redis_url=args.redis_url, storyloom_data_dir=tmp,  # type: ignore[call-arg]
                        storyloom_cache_dir=ROOT / ".cache" / "test", storyloom_device="cpu",
                        storyloom_key_prefix=f"bench-learning-{uuid.uuid4().hex[:8]}",
                        storyloom_lora_epochs=args.epochs)
    client = redis.Redis.from_url(args.redis_url)
    from worker.store.blobs import open_blobs
    from worker.store.keys import Keys

    store = Store(client, Keys(settings.storyloom_key_prefix), MasterKey(new_data_key(), "bench"),
                  blobs=open_blobs(settings))
    try:
        paragraphs = seed_turns(store, settings, USER, CORPUS)
        tuned = finetune(settings, store)
        with store.adapter_files(USER, tuned["version"].version_id) as opened:
            folder = tmp / "trained"
            shutil.copytree(opened, folder)
        row = {"paragraphs": paragraphs, **tuned["row"], **sizes(settings, folder)}
        dirs = variants(folder, tmp, 8)
        row |= serving(tuned["lm"], dirs, args.tokens, args.repeat)
    finally:
        for key in client.scan_iter(match=f"{settings.storyloom_key_prefix}:*"):
            client.delete(key)
    if args.json:
        print(json.dumps(row))
    else:
        for k, v in row.items():
            print(f"{k:<28} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
