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
    from worker.ops.logs import hide_user_ids

    logs = settings.storyloom_data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=logs / f"{name}.log", level=settings.storyloom_log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    hide_user_ids()  # users appear as a keyed hash (worker.ops.logs)


def _log_to_stderr(settings: Settings) -> None:
    from worker.ops.logs import hide_user_ids

    logging.basicConfig(
        stream=sys.stderr, level=settings.storyloom_log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    hide_user_ids()


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
def _cmd_eval_story(settings: Settings, args: argparse.Namespace) -> int:
    from bench.evaluate import run_eval_story

    _log_to_file(settings, "eval")
    return run_eval_story(settings, Path(args.script), args.user, as_json=args.json,
                          judge=not args.no_judge)


def _cmd_eval_judge(settings: Settings, args: argparse.Namespace) -> int:
    from bench.rejudge import run_eval_judge

    return run_eval_judge([Path(f) for f in args.files], as_json=args.json)


def _cmd_model(settings: Settings, args: argparse.Namespace) -> int:
    from bot.local import prepare_model
    from worker.llm.model import resolve

    _log_to_stderr(settings)
    prepare_model(settings, lambda m: print(m, file=sys.stderr))
    source, identity = resolve(settings)
    from bot.cli.tools import precisions

    print(json.dumps({"model": identity, "path": source, "precision": precisions(settings)}))
    return 0


def _cmd_dashboard(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dashboard import run_dashboard

    _log_to_stderr(settings)
    return run_dashboard(settings, args.host, args.port)


def _cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dashboard.users import add_user, list_users, read_password

    if args.action == "list":
        for account in list_users(settings):
            state = ("disabled" if account.disabled else "no password yet"
                     if not account.password_hash else "no second factor yet"
                     if account.totp_secret is None else "active")
            print(f"{account.email}\t{account.role}\t{state}")
        return 0
    if not args.email or not args.role:
        print("storyloom users add: --email and --role are required", file=sys.stderr)
        return 2
    try:
        made = add_user(settings, args.email, args.role, None if args.link else read_password())
    except ValueError as exc:
        print(f"storyloom users add: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"set_password_link" if args.link else "account_id": made,
                      "email": args.email.strip().lower(), "role": args.role}))
    return 0


def _cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dashboard.users import audit_command

    ok, said = audit_command(settings, args.action, args.to)
    print(said, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def _open_store(settings: Settings):  # type: ignore[no-untyped-def]
    from worker.ops.connection import open_redis
    from worker.store.store import Store

    client, embedded = open_redis(settings)
    return Store.from_settings(settings, client), client, embedded


def _cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.terminal import user_key
    from worker.counsel.privacy import export_everything

    _log_to_stderr(settings)
    store, client, embedded = _open_store(settings)
    try:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for file in export_everything(store, user_key(args.user)):
            (out / file.name).write_bytes(file.data)
            print(out / file.name)
        return 0
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()


def _cmd_book(settings: Settings, args: argparse.Namespace) -> int:
    from bot.terminal import user_key
    from worker.book.commands import BookRequest, make_files, write_files

    _log_to_stderr(settings)
    store, client, embedded = _open_store(settings)
    try:
        user = user_key(args.user)
        if store.installment_count(user) == 0:
            print(f"storyloom book: {user} has no story yet", file=sys.stderr)
            return 1
        request = BookRequest(args.format, args.size, sources=not args.no_sources)
        for path in write_files(make_files(store, user, request), Path(args.out)):
            print(path)
        return 0
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()


def _cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    from bot.terminal import user_key
    from worker.counsel.privacy import forget_everything

    _log_to_stderr(settings)
    if not args.yes:
        print("storyloom forget deletes everything about the user for good; add --yes",
              file=sys.stderr)
        return 2
    store, client, embedded = _open_store(settings)
    try:
        forget_everything(store, settings, user_key(args.user))
        return 0
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()
def _cmd_nlu(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.tools import run_nlu_jsonl

    if not args.jsonl:
        print("storyloom nlu: only --jsonl is supported (JSON lines on stdin)", file=sys.stderr)
        return 2
    return run_nlu_jsonl(sys.stdin, sys.stdout)


def _cmd_graph(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.tools import run_graph

    _log_to_stderr(settings)
    return run_graph(settings, args.user, about_name=args.about, place=args.place,
                     year=args.year, fmt=args.format)


def _cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    from bench.suite import run_bench

    _log_to_stderr(settings.model_copy(update={"storyloom_log_level": "WARNING"}))
    return run_bench(settings, args.rows, args.repeat, args.tokens, as_json=args.json)


def _quiet(run: Callable[[Settings, argparse.Namespace], int]
           ) -> Callable[[Settings, argparse.Namespace], int]:
    """A command that logs warnings and worse to stderr (stdout stays clean)."""
    def wrapped(settings: Settings, args: argparse.Namespace) -> int:
        _log_to_stderr(settings.model_copy(update={"storyloom_log_level": "WARNING"}))
        return run(settings, args)
    return wrapped


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
    story.add_argument("--no-judge", action="store_true",
                       help="record only; judge later with `storyloom eval judge`")
    story.set_defaults(run=_cmd_eval_story)
    judge = evals.add_parser("judge", help="judge recorded `eval story --json` lines again "
                             "(bench/judge.py), without running the engine")
    judge.add_argument("files", nargs="+", help="JSON-lines files, one conversation each")
    judge.add_argument("--json", action="store_true", help="one JSON object per line")
    judge.set_defaults(run=_cmd_eval_judge)

    from bot.cli.learning import register

    register(sub, evals, _quiet)

    work = sub.add_parser("worker", help="run a worker process")
    work.add_argument("role", choices=["nlu", "generate", "finetune", "transcribe", "reminders"])
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

    bench = sub.add_parser("bench", help="run the benchmark suite; print one table of ratios")
    bench.add_argument("--rows", default="all",
                       help="comma-separated rows (default all): batched, bandwidth, int8, "
                       "precision, nlu, ingest, rq, lora, adapters, users, pacing")
    bench.add_argument("--repeat", type=int, default=3, help="runs per timing; best is kept")
    bench.add_argument("--tokens", type=int, default=32, help="new tokens per timed decode")
    bench.add_argument("--json", action="store_true", help="one JSON object per row")
    bench.set_defaults(run=_cmd_bench)

    serve = sub.add_parser("serve", help="run the Telegram/Discord adapters and the workers")
    serve.add_argument("--no-workers", action="store_true",
                       help="the NLU and generate workers run elsewhere")
    serve.set_defaults(run=_cmd_serve)

    model = sub.add_parser("model", help="prepare the language model and say which it is")
    model.set_defaults(run=_cmd_model)

    export = sub.add_parser("export", help="a user's data as JSON, Markdown and EPUB files")
    export.add_argument("--user", required=True, help="NAME (local) or platform:id")
    export.add_argument("--out", default=".", help="folder for the files")
    export.set_defaults(run=_cmd_export)

    book = sub.add_parser("book", help="a user's story as a book: PDF (A5 or US letter), "
                          "EPUB or Markdown with its photos")
    book.add_argument("--user", required=True, help="NAME (local) or platform:id")
    book.add_argument("--format", choices=["pdf", "epub", "md"], default="pdf")
    book.add_argument("--size", choices=["a5", "letter"], default="a5", help="PDF page size")
    book.add_argument("--no-sources", action="store_true",
                      help="leave out the endnotes naming what each sentence retells")
    book.add_argument("--out", default=".", help="folder for the files")
    book.set_defaults(run=_cmd_book)

    forget = sub.add_parser("forget", help="crypto-shred a user: their key, data and adapters")
    forget.add_argument("--user", required=True, help="NAME (local) or platform:id")
    forget.add_argument("--yes", action="store_true", help="really delete everything")
    forget.set_defaults(run=_cmd_forget)

    dashboard = sub.add_parser("dashboard", help="serve the counselor dashboard")
    dashboard.add_argument("--host", help="address (default: STORYLOOM_DASHBOARD_HOST)")
    dashboard.add_argument("--port", type=int, help="port (default: STORYLOOM_DASHBOARD_PORT)")
    dashboard.set_defaults(run=_cmd_dashboard)

    users = sub.add_parser("users", help="dashboard accounts (the password is asked, or "
                           "read from stdin)")
    users.add_argument("action", choices=["add", "list"])
    users.add_argument("--email")
    users.add_argument("--role", choices=["admin", "counselor"])
    users.add_argument("--link", action="store_true",
                       help="print a one-time link its owner chooses the password with")
    users.set_defaults(run=_cmd_users)

    audit = sub.add_parser("audit", help="check the dashboard's audit chain, or append new "
                           "entries to an append-only JSONL file")
    audit.add_argument("action", choices=["verify", "export"])
    audit.add_argument("--to", type=Path, help="the JSONL file (verify: check it instead)")
    audit.set_defaults(run=_cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the storyloom console script."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    from worker.store import crypto

    # every command that reads user data needs the master key; resolve it once, here
    try:
        crypto.require_master_key(settings)
    except crypto.MasterKeyRequired as exc:
        print(f"storyloom: {exc}", file=sys.stderr, flush=True)
        return 2
    crypto.install(crypto.resolve_master_key(settings))
    run: Callable[[Settings, argparse.Namespace], int] = args.run
    try:
        return run(settings, args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
