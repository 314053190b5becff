"""Commands for tools and operators: `storyloom nlu --jsonl`, `storyloom graph`."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

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


def precisions(settings: Settings) -> dict[str, Any]:
    """Which precision each model runs in here, and why (measured where the setting is auto)."""
    from nlu.emotions import EmotionClassifier, load_default, precision_of
    from worker.llm.model import LanguageModel, pick_device

    emotions = load_default(settings.storyloom_emotion_precision)
    out: dict[str, Any] = {"emotions": (emotions.choice.as_dict()
                                        if isinstance(emotions, EmotionClassifier)
                                        else {"precision": precision_of(emotions)})}
    mode, device = settings.storyloom_quantize, pick_device(settings.storyloom_device)
    if mode == "auto" and device == "cpu":  # measured only by loading the model
        lm = LanguageModel.load(settings)
        assert lm.precision is not None
        out["story"] = lm.precision.as_dict()
    else:
        full = "fp32" if device == "cpu" else "bf16"
        out["story"] = {"precision": full if mode in ("none", "auto") else mode,
                        "requested": mode, "reason": f"STORYLOOM_QUANTIZE={mode} on {device}"}
    out["safety_encoder"] = {"precision": "fp32", "requested": "fp32",
                             "reason": "no int8 path: its similarity thresholds were set in fp32"}
    return out
