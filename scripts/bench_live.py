"""Time from /story to the first visible words and to the delivered installment, on Telegram.

The real Telegram adapter long-polls the local fake Bot API (tests/fakes); the real NLU
worker understands a few memories first; then /story is sent and the real generate worker
(the bundled model, loaded beforehand as a running worker holds it) writes the installment.
Times are taken when the fake received the bot's calls: the preview's first sendMessage,
and the edit that turned it into the installment.

Run: PYTHONPATH=. python scripts/bench_live.py [--runs 3]
(STORYLOOM_CACHE_DIR may point at an already converted bundled model.)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import redis

from bot.telegram.adapter import TelegramAdapter
from nlu.pipeline import Analyzer
from tests.chat_harness import AdapterThread, command_context, run_nlu, wait_until
from tests.fakes.telegram_api import FakeTelegram
from worker.llm.model import LanguageModel
from worker.ops.connection import EmbeddedRedis
from worker.ops.runner import run_generate_worker
from worker.ops.runtime import WorkerContext, install
from worker.settings import Settings

MEMORIES = ["My grandmother Maria took me to the market in Porto when I was seven.",
            "In 1972 we moved to Lisbon, just before my brother Tom was born.",
            "My father Jorge worked at the shipyard in Setubal for thirty years."]


def one_run(settings: Settings, analyzer: Analyzer, model: LanguageModel, n: int) -> tuple[
        float, float]:
    """(seconds to the first words, seconds to the installment) for one /story."""
    client = redis.Redis.from_url(settings.redis_url_value() or "")
    with FakeTelegram() as tg:
        tuned = settings.model_copy(update={"telegram_api_base_url": tg.base_url,
                                            "telegram_file_base_url": tg.base_file_url,
                                            "storyloom_key_prefix": f"benchlive{n}"})
        ctx = WorkerContext.build(tuned, client)
        install(ctx)
        ctx._model = model
        chat = 900 + n
        user = {"id": chat, "first_name": "Ana"}
        with AdapterThread(TelegramAdapter(command_context(ctx), tuned, tg.token,
                                           poll_timeout=1)):
            tg.push_command(chat, user, "agree")
            for memory in MEMORIES:
                tg.push_text(chat, user, memory)
            wait_until(lambda: len(ctx.store.turns(f"telegram:{chat}")) == 3, timeout=30)
            run_nlu(ctx, analyzer)
            started = time.monotonic()
            tg.push_command(chat, user, "story")
            wait_until(lambda: client.llen("rq:queue:generate"), timeout=30)
            run_generate_worker(ctx, burst=True, preload=False)
            done = tg.wait_for_sync(lambda: [c for c in tg.calls("editMessageText")
                                             if "Your story" in str(c.params.get("text"))],
                                    timeout=120)
            first = [c for c in tg.calls("sendMessage")
                     if "Writing your story" in str(c.params.get("text"))]
        client.close()
    return (first[0].at - started if first else float("nan")), done[0].at - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp())
    embedded = EmbeddedRedis(data)  # a Redis of its own, stopped at the end
    embedded.start()
    settings = Settings(redis_url=embedded.url, storyloom_data_dir=data)  # cache from env
    analyzer = Analyzer()
    model = LanguageModel.load(settings)
    try:
        rows = [one_run(settings, analyzer, model, n) for n in range(args.runs)]
    finally:
        embedded.stop()
    for first, done in rows:
        print(f"/story -> first words {first:.2f}s, -> installment {done:.2f}s")
    print(f"median over {len(rows)}: first words {statistics.median(r[0] for r in rows):.2f}s, "
          f"installment {statistics.median(r[1] for r in rows):.2f}s "
          f"(edit pace {settings.storyloom_live_edit_seconds}s)")


if __name__ == "__main__":
    main()
