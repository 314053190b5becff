"""Commands for tools and operators: `storyloom nlu --jsonl`, `storyloom graph`."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from bot.terminal import user_key
from worker.ops.connection import open_redis
from worker.profile.graph import about, events_at, events_in, to_graphml, to_json
from worker.settings import Settings
from worker.store.store import Store


def run_nlu_jsonl(stdin: TextIO, stdout: TextIO) -> int:
    """Stream JSON lines through the NLU stage (see nlu.jsonl for the format)."""
    from nlu.jsonl import run

    run(stdin, stdout)
    return 0


def run_graph(settings: Settings, user: str, *, about_name: str | None, place: str | None,
              year: int | None, fmt: str) -> int:
    """Print a user's knowledge graph, or the answer to one query over it."""
    client, embedded = open_redis(settings)
    try:
        graph = Store.from_settings(settings, client).get_graph(user_key(user))
    finally:
        client.close()
        if embedded is not None:
            embedded.stop()
    if about_name is not None:
        rows = [{"edge": e.kind, "kind": n.kind, "label": n.label, **n.attrs}
                for e, n in about(graph, about_name)]
    elif place is not None:
        rows = [{"label": n.label, **n.attrs} for n in events_at(graph, place)]
    elif year is not None:
        rows = [{"label": n.label, **n.attrs} for n in events_in(graph, year)]
    elif fmt == "graphml":
        sys.stdout.write(to_graphml(graph) + "\n")
        return 0
    else:
        print(json.dumps(to_json(graph), ensure_ascii=False, indent=2))
        return 0
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0
