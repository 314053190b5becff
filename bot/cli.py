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


def _cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.serve import run_serve

    _log_to_stderr(settings)
    return run_serve(settings, workers=not args.no_workers)


def _cmd_model(settings: Settings, args: argparse.Namespace) -> int:
    from bot.local import prepare_model
    from worker.llm.model import resolve

    _log_to_stderr(settings)
    prepare_model(settings, lambda m: print(m, file=sys.stderr))
    source, identity = resolve(settings)
    print(json.dumps({"model": identity, "path": source}))
    return 0


def _cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tools import run_nlu_jsonl

    if not args.jsonl:
        print("storyloom nlu: only --jsonl is supported (JSON lines on stdin)", file=sys.stderr)
        return 2
    return run_nlu_jsonl(sys.stdin, sys.stdout)


def _cmd_graph(settings: Settings, args: argparse.Namespace) -> int:
    from bot.tools import run_graph

    _log_to_stderr(settings)
    return run_graph(settings, args.user, about_name=args.about, place=args.place,
                     year=args.year, fmt=args.format)


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

    work = sub.add_parser("worker", help="run a worker process")
    work.add_argument("role", choices=["nlu", "generate"])
    work.add_argument("--burst", action="store_true", help="exit when no work is left")
    work.set_defaults(run=_cmd_worker)

    nlu = sub.add_parser("nlu", help="run the NLU stage over JSON lines (stdin -> stdout)")
    nlu.add_argument("--jsonl", action="store_true", help='lines of {"id","text","date"}')
    nlu.set_defaults(run=_cmd_nlu)

    graph = sub.add_parser("graph", help="a user's knowledge graph, or a query over it")
    graph.add_argument("--user", required=True)
    query = graph.add_mutually_exclusive_group()
    query.add_argument("--about", help="everything linked to a person, place or organisation")
    query.add_argument("--place", help="events that happened at a place")
    query.add_argument("--year", type=int, help="events in a year")
    graph.add_argument("--format", choices=["json", "graphml"], default="json")
    graph.set_defaults(run=_cmd_graph)

    serve = sub.add_parser("serve", help="run the Telegram/Discord adapters and the workers")
    serve.add_argument("--no-workers", action="store_true",
                       help="the NLU and generate workers run elsewhere")
    serve.set_defaults(run=_cmd_serve)

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
