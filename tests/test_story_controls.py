"""Every story control end to end: through `storyloom demo` (real CLI, Redis, workers, model),
and the live preview through Redis while an installment is written."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import redis

from tests.test_end_to_end import run_demo
from worker.conversation.commands import CommandContext
from worker.conversation.intake import receive_text
from worker.conversation.nlu_worker import NluWorker
from worker.ops.queues import GENERATE, queue
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext
from worker.settings import Settings
from worker.store.store import Store

MEMORIES = (
    "My grandmother Maria taught me to bake bread in her kitchen in Lisbon when I was seven.\n"
    "In 1998 my family moved to Porto, and I cried on the train because I missed her.\n"
    "My brother Tom taught me to swim in the lake near Braga.\n"
)
# Tests keep generation short: two drafts of a few words each.
FAST = {"STORYLOOM_DRAFTS": "2", "STORYLOOM_MAX_NEW_TOKENS": "20"}


def test_every_control_through_demo(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "controls.txt"
    script.write_text(MEMORIES + "/pov first\n/tone joy\n/chapter Childhood\n/story\n/retry\n"
                      "/edit Maria's bread was the best in Lisbon, and I was seven.\n/undo\n"
                      "/about Tom\n/continue\n/tone rage\n/undo\n/undo\n/undo\n/edit x\n")
    out = run_demo(settings, script, user="rita", **FAST)
    parts = [o for o in out if o["type"] == "installment"]
    replies = [o["text"] for o in out if o["type"] == "reply"]
    first, retry, about, cont = parts
    assert first["tone"] == "joy" and first["pov"] == "first" and first["chapter"] == 1
    # 2 drafts, or 4 when neither carried the tone (the regulator drafts a second batch)
    assert first["number"] == 1 and first["drafts"] in (2, 4) and first["scores"]["safe"]
    assert retry["kind"] == "retry" and retry["replaces"] == first["installment_id"]
    assert retry["number"] == 1 and retry["text"] != first["text"]
    assert any("own words" in r for r in replies), "/edit confirms"
    assert any("took back part 1" in r for r in replies), "/undo confirms"
    assert about["number"] == 1, "after /undo the story starts again at part 1"
    assert "Tom" in about["text"], "/about Tom tells the memory about Tom"
    assert cont["kind"] == "continue" and cont["number"] == 2
    assert any(r.startswith("Choose one of") for r in replies), "an unknown tone is refused"
    assert replies.count("There's nothing to take back yet.") == 1
    assert any("no installment to edit" in r for r in replies)

    store = Store.from_settings(settings, redis.Redis.from_url(settings.redis_url_value() or ""))
    assert store.installments("local:rita") == []
    told = store.get_installment("local:rita", first["installment_id"])
    assert told is not None and " I " in f" {told.text} "
    assert " you " not in f" {told.text.lower()} ", "/pov first: the story says I, not you"
    assert told.beats[0].startswith(("My grandmother Maria taught me", "In 1998 my family"))
    pairs = store.preference_pairs("local:rita")
    retry_pair = next(p for p in pairs if p.source == "retry")
    assert (retry_pair.chosen, retry_pair.rejected) == (retry["text"], first["text"])
    assert retry_pair.prompt and retry_pair.turn_ids
    kinds = [f.kind for f in store.story_feedback("local:rita")]
    assert kinds[:3] == ["retried", "edited", "withdrawn"] and "kept" in kinds
    edited = next(f for f in store.story_feedback("local:rita") if f.kind == "edited")
    assert edited.edited and "best in Lisbon" in edited.edited
    assert edited.original == retry["text"] and edited.turn_ids


def test_terminal_shows_the_installment_while_it_is_written(
    ctx: WorkerContext, analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    from bot.terminal import Output, TerminalSession

    user = "local:lea"
    ctx.settings = ctx.settings.model_copy(update={"storyloom_drafts": 2,
                                                   "storyloom_max_new_tokens": 32})
    for line in MEMORIES.splitlines():
        receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user,
                     text=line)
    NluWorker(ctx.store, analyzer).run(burst=True, block_ms=100)
    shown: list[Output] = []
    session = TerminalSession(CommandContext(ctx.settings, ctx.store, ctx.store.redis), user,
                              shown.append, stream=True)
    session.drain()
    reader = threading.Thread(target=session.say, args=("/story",))
    reader.start()
    while not queue(GENERATE, ctx.store.redis).count:
        time.sleep(0.05)
    ctx._model = language_model
    run_generate_worker(ctx, burst=True)  # RQ wants the main thread (signal handlers)
    reader.join(timeout=60)
    kinds = [o.kind for o in shown]
    progress = [o.text for o in shown if o.kind == "progress"]
    assert "installment" in kinds and len(progress) >= 2
    assert kinds.index("installment") > kinds.index("progress"), "preview first, final after"
    assert len(set(progress)) == len(progress), "each preview shows words that changed"
    assert progress[0].startswith(("When you were seven", "In 1998", "You"))
    final = next(o for o in shown if o.kind == "installment")
    assert final.installment is not None and final.installment.scores is not None
    [request] = {r for r in [final.delivery.in_reply_to] if final.delivery}
    assert not ctx.store.redis.exists(ctx.store.keys.story_progress(user, request or ""))
