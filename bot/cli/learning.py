"""The learning commands: `finetune`, `adapters list|rollback|withhold`, `eval perplexity`.

`storyloom eval perplexity --json` is a stable interface: stdout carries exactly one
line, ``{"base": ..., "adapter": ...}`` (adapter is null when the user has no
promoted adapter). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from worker.settings import Settings


@contextmanager
def _store(settings: Settings) -> Iterator[Any]:
    from worker.ops.connection import open_redis
    from worker.store.store import Store

    client, embedded = open_redis(settings)
    try:
        yield Store.from_settings(settings, client)
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()


def _user(name: str) -> str:
    from bot.terminal import user_key

    return user_key(name)


def _summary(v: Any) -> dict[str, Any]:
    m = v.metrics
    return {"version": v.number, "version_id": v.version_id, "status": v.status,
            "base": round(m.base, 3), "current": None if m.current is None else round(
                m.current, 3), "candidate": round(m.candidate, 3), "examples": v.examples,
            "turns": len(v.turn_ids), "train_tokens": m.train_tokens,
            "heldout_tokens": m.heldout_tokens, "epochs": m.epochs_run, "seconds": v.seconds,
            "load_save_seconds": v.load_save_seconds, "adapter_bytes": v.adapter_bytes,
            "needs_retrain": v.needs_retrain, "base_model": v.base_model,
            "finished_at": v.finished_at.isoformat(), "reason": v.reason,
            "story": {k: None if story is None else story.model_dump(exclude={"schema_version"})
                      for k, story in (("base", m.story_base), ("current", m.story_current),
                                       ("candidate", m.story_candidate))}}


def cmd_finetune(settings: Settings, args: argparse.Namespace) -> int:
    """Fine-tune one user now, with a progress bar on stderr."""
    from tqdm import tqdm

    from worker.llm.model import LanguageModel
    from worker.training import schedule
    from worker.training.config import training_settings
    from worker.training.jobs import NotEnoughData, run_finetune

    user = _user(args.user)
    with _store(settings) as store:
        job_id = schedule.finetune_job_id(user)
        lock = store.keys.finetune_lock(user)
        if not store.redis.set(lock, job_id, nx=True, ex=settings.storyloom_finetune_timeout):
            print("storyloom finetune: a fine-tune of this user is queued or running",
                  file=sys.stderr)
            return 1
        try:
            started = time.perf_counter()
            lm = LanguageModel.load(training_settings(settings))
            bar = tqdm(desc="fine-tune", unit="step", file=sys.stderr)

            def progress(step: int, total: int, loss: float) -> None:
                bar.total = total
                bar.set_postfix(loss=f"{loss:.3f}")
                bar.update(step - bar.n)

            version = run_finetune(settings, store, lm, user, progress=progress,
                                   load_seconds=time.perf_counter() - started)
            bar.close()
        except NotEnoughData as exc:
            print(f"storyloom finetune: {exc}", file=sys.stderr)
            return 1
        finally:
            schedule.release(store.redis, store, user)
    print(json.dumps(_summary(version)))
    return 0


def cmd_adapters(settings: Settings, args: argparse.Namespace) -> int:
    """List a user's adapter versions, or roll back to the one before."""
    from worker.training import registry

    user = _user(args.user)
    with _store(settings) as store:
        if args.action == "withhold":
            if not args.turn:
                print("storyloom adapters withhold: give --turn ID (one or more)",
                      file=sys.stderr)
                return 2
            marked = store.withhold_turns(user, args.turn, args.reason)
            print(json.dumps({"withheld": sorted(args.turn), "needs_retrain": marked}))
            return 0
        if args.action == "rollback":
            try:
                target = registry.rollback(store, user)
            except LookupError as exc:
                print(f"storyloom adapters rollback: {exc}", file=sys.stderr)
                return 1
            print(json.dumps({"current": None if target is None else target.number,
                              "version_id": None if target is None else target.version_id}))
            return 0
        current = store.current_adapter(user)
        for v in store.adapter_versions(user):
            row = _summary(v) | {"current": current is not None and
                                 v.version_id == current.version_id, "current_ppl":
                                 v.metrics.current}
            print(json.dumps(row) if args.json else
                  f"v{v.number}\t{v.status}{' *' if row['current'] else ''}\tbase "
                  f"{v.metrics.base:.2f}\tcandidate {v.metrics.candidate:.2f}\t"
                  + (f"story {v.metrics.story_candidate.score:.3f}\t"
                     if v.metrics.story_candidate else "")
                  + f"{v.finished_at:%Y-%m-%d %H:%M}\t{len(v.turn_ids)} turns"
                  + ("\tneeds retraining" if v.needs_retrain else ""))
    return 0


def cmd_eval_perplexity(settings: Settings, args: argparse.Namespace) -> int:
    """Perplexity of a text under the base model and the user's promoted adapter."""
    from worker.llm.model import LanguageModel
    from worker.training import registry
    from worker.training.evaluate import text_perplexity

    text = Path(args.text).read_text(encoding="utf-8")
    print("loading the model", file=sys.stderr)
    lm = LanguageModel.load(settings)
    with _store(settings) as store:
        user = _user(args.user)
        with registry.opened(store, store.current_adapter(user)) as folder:
            try:
                result = text_perplexity(lm, text, None if folder is None else str(folder))
            except ValueError as exc:
                print(f"storyloom eval perplexity: {exc}", file=sys.stderr)
                return 2
    if args.json:
        print(json.dumps(result))
    else:
        adapter = "none" if result["adapter"] is None else f"{result['adapter']:.3f}"
        print(f"base model: {result['base']:.3f}\nuser's adapter: {adapter}")
    return 0


Runner = Callable[[Settings, argparse.Namespace], int]


def register(sub: Any, evals: Any, wrap: Callable[[Runner], Runner]) -> None:
    """Add the learning commands to the storyloom parser (wrap sets up logging)."""
    tune = sub.add_parser("finetune", help="fine-tune a user's adapter now (progress bar)")
    tune.add_argument("--user", required=True, help="NAME (local) or platform:id")
    tune.set_defaults(run=wrap(cmd_finetune))

    adapters = sub.add_parser("adapters", help="a user's adapter versions")
    adapters.add_argument("action", choices=["list", "rollback", "withhold"])
    adapters.add_argument("--turn", action="append", help="withhold: a turn id to keep out of "
                          "training (repeatable); adapters trained on it need retraining")
    adapters.add_argument("--reason", choices=["private", "withdrawn"], default="withdrawn")
    adapters.add_argument("--user", required=True, help="NAME (local) or platform:id")
    adapters.add_argument("--json", action="store_true", help="one JSON object per version")
    adapters.set_defaults(run=wrap(cmd_adapters))

    ppl = evals.add_parser("perplexity", help="perplexity of a text: base model and the "
                           "user's adapter")
    ppl.add_argument("--user", required=True, help="NAME (local) or platform:id")
    ppl.add_argument("--text", required=True, help="a UTF-8 text file")
    ppl.add_argument("--json", action="store_true", help='one line: {"base", "adapter"}')
    ppl.set_defaults(run=wrap(cmd_eval_perplexity))
