"""The `storyloom` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from worker.settings import Settings, load_settings

logger = logging.getLogger("storyloom")


def _log_to_file(settings: Settings, name: str) -> None:
    logs = settings.storyloom_data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=logs / f"{name}.log", level=settings.storyloom_log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def _log_to_stderr(settings: Settings) -> None:
    logging.basicConfig(
        stream=sys.stderr, level=settings.storyloom_log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def _cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from bot.workers import run_worker

    _log_to_stderr(settings)
    return run_worker(settings, args.role, burst=args.burst)


def _cmd_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    _log_to_file(settings, "chat")
    return run_chat(settings, args.user)


def _cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.chat import run_demo

    _log_to_file(settings, "demo")
    return run_demo(settings, Path(args.script), args.user, as_json=args.json)


def _cmd_eval_story(settings: Settings, args: argparse.Namespace) -> int:
    from bot.evaluate import run_eval_story

    _log_to_file(settings, "eval")
    return run_eval_story(settings, Path(args.script), args.user, as_json=args.json)


def _cmd_model(settings: Settings, args: argparse.Namespace) -> int:
    from bot.local import prepare_model
    from worker.llm.model import resolve

    _log_to_stderr(settings)
    prepare_model(settings, lambda m: print(m, file=sys.stderr))
    source, identity = resolve(settings)
    print(json.dumps({"model": identity, "path": source}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every storyloom command."""
    parser = argparse.ArgumentParser(prog="storyloom", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="talk with storyloom in this terminal")
    chat.add_argument("--user", default="me", help="whose story (default: me)")
    chat.set_defaults(run=_cmd_chat)

    demo = sub.add_parser("demo", help="replay a conversation from a file")
    demo.add_argument("--script", required=True, help="one message per line; /commands too")
    demo.add_argument("--user", default="demo", help="whose story (default: demo)")
    demo.add_argument("--json", action="store_true", help="one JSON object per output line")
    demo.set_defaults(run=_cmd_demo)

    evaluate = sub.add_parser("eval", help="measure storyloom on scripted conversations")
    evals = evaluate.add_subparsers(dest="eval_command", required=True)
    story = evals.add_parser("story", help="replay a script; measure every installment")
    story.add_argument("--script", required=True, help="same format as `storyloom demo`")
    story.add_argument("--user", default="eval", help="whose story (default: eval)")
    story.add_argument("--json", action="store_true", help="one JSON object per line")
    story.set_defaults(run=_cmd_eval_story)

    work = sub.add_parser("worker", help="run a worker process")
    work.add_argument("role", choices=["nlu", "generate"])
    work.add_argument("--burst", action="store_true", help="exit when no work is left")
    work.set_defaults(run=_cmd_worker)

    model = sub.add_parser("model", help="prepare the language model and say which it is")
    model.set_defaults(run=_cmd_model)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the storyloom console script."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    run: Callable[[Settings, argparse.Namespace], int] = args.run
    try:
        return run(settings, args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
