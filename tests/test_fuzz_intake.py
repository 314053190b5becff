"""Hostile input, generated: no unhandled exception, a clear result, bad records dead-lettered."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.terminal import Output, TerminalSession
from tests.conftest import ROOT, cli_env
from worker.conversation.commands import CommandContext
from worker.conversation.intake import EMPTY, receive_text
from worker.conversation.nlu_worker import GROUP, NluWorker
from worker.ops.runtime import WorkerContext
from worker.store.keys import Keys

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# the worker and NLU runs cost more per example
FUZZ_WORKER = settings(FUZZ, max_examples=25)
HOSTILE = st.one_of(
    st.text(),
    st.binary(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=400),
    st.sampled_from(["\x00" * 50, "\u202e\u202dreversed", "🤖" * 300, "\r\n" * 100,
                     "<script>alert(1)</script>", "'; DROP TABLE turns; --", "\ufeff",
                     "a" * 5000, "/", "/ ", "//story", "/story@bot extra", "/tone " + "x" * 999,
                     "\udcff".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]),
)


@FUZZ
@given(raw=HOSTILE)
def test_any_message_is_stored_clean_or_answered_with_a_notice(
    ctx: WorkerContext, raw: str | bytes
) -> None:
    settings_ = ctx.settings.model_copy(update={"storyloom_max_message_chars": 100})
    intake = receive_text(ctx.store, settings_, user="local:fuzz", platform="local",
                          chat_id="fuzz", text=raw)
    if intake.turn is None:
        assert intake.notice == EMPTY
        return
    text = intake.turn.text
    assert text and len(text) <= 100
    assert not any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in text)
    stored = ctx.store.get_turn("local:fuzz", intake.turn.turn_id)
    assert stored is not None and stored.text == text


@FUZZ
@given(line=HOSTILE)
def test_the_terminal_adapter_answers_every_line(ctx: WorkerContext, line: str | bytes) -> None:
    shown: list[Output] = []
    session = TerminalSession(ctx=CommandContext(ctx.settings, ctx.store, ctx.store.redis),
                              user="local:fuzzterm", emit=shown.append, wait_s=0.0)
    session.say(line)
    stored = ctx.store.last_turn_id("local:fuzzterm")
    # a command is answered at once; a message is stored (its reply comes from NLU),
    # or answered with a notice when it was empty
    assert shown or stored


FIELD = st.one_of(st.binary(max_size=40), st.text(max_size=40).map(str.encode))


@FUZZ_WORKER
@given(entries=st.lists(st.dictionaries(st.sampled_from([b"user", b"turn", b"x", b""]), FIELD,
                                        min_size=1, max_size=3), min_size=1, max_size=4))
def test_malformed_stream_records_go_to_the_dead_letter_stream(
    ctx: WorkerContext, analyzer, entries: list[dict[bytes, bytes]]  # type: ignore[no-untyped-def]
) -> None:
    store = ctx.store
    store.ensure_turn_group(GROUP)
    before = store.redis.xlen(store.keys.dead_letters())
    shard = Keys.turn_shard("local:any")
    for fields in entries:
        store.redis.xadd(store.keys.turns_stream(shard), fields)
    NluWorker(store, analyzer, lease_ms=5000).run(burst=True, block_ms=50)
    assert store.redis.xlen(store.keys.dead_letters()) - before == len(entries)
    assert store.redis.xpending(store.keys.turns_stream(shard), GROUP)["pending"] == 0


@FUZZ_WORKER
@given(garbage=st.binary(max_size=200))
def test_a_corrupt_profile_is_dead_lettered_and_the_turn_still_applies(
    ctx: WorkerContext, analyzer, garbage: bytes  # type: ignore[no-untyped-def]
) -> None:
    store, user = ctx.store, "local:corrupt"
    store.redis.set(store.keys.profile(user), garbage)
    receive_text(store, ctx.settings, user=user, platform="local", chat_id=user,
                 text="My friend Ana lives in Porto.")
    NluWorker(store, analyzer, lease_ms=5000).run(burst=True, block_ms=50)
    assert store.get_profile(user).turns_applied >= 1
    assert store.redis.xlen(store.keys.dead_letters()) >= 1


LINES = st.one_of(
    st.text(max_size=200).filter(lambda s: "\n" not in s and "\r" not in s),
    st.builds(json.dumps, st.dictionaries(st.sampled_from(["id", "text", "date", "x"]),
                                          st.one_of(st.text(max_size=80), st.integers(),
                                                    st.none(), st.lists(st.integers())))),
)


@FUZZ_WORKER
@given(lines=st.lists(LINES, min_size=1, max_size=5))
def test_nlu_jsonl_answers_every_line_with_an_analysis_or_an_error(
    analyzer, lines: list[str]  # type: ignore[no-untyped-def]
) -> None:
    from nlu.jsonl import run

    out = io.StringIO()
    run(io.StringIO("\n".join(lines) + "\n"), out, analyzer=analyzer)
    records = [json.loads(r) for r in out.getvalue().splitlines()]
    # JSON lines end at "\n" only (not at the other separators str.splitlines knows)
    sent = [line for line in "\n".join(lines).split("\n") if line.strip()]
    assert len(records) == len(sent)
    assert all("error" in r or "entities" in r for r in records)


def test_storyloom_nlu_jsonl_survives_a_hostile_file(settings) -> None:  # type: ignore[no-untyped-def]
    hostile = b"\n".join([
        b'{"id": 1, "text": "My sister Ana moved to Lisbon in 1999."}',
        b"\xff\xfe not utf-8 \x00\x01",
        b'{"id": 2, "text": ' + json.dumps("x" * 50_000).encode() + b"}",
        b"[1, 2, 3]",
        b'{"id": 3, "text": "\\ud800 lone surrogate", "date": "not a date"}',
        b'{"id": 4, "text": "\\u0000\\u202e", "date": "2020-02-30"}',
    ]) + b"\n"
    proc = subprocess.run([sys.executable, "-m", "bot.cli.main", "nlu", "--jsonl"], input=hostile,
                          env=cli_env(settings), cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    records = [json.loads(r) for r in proc.stdout.decode().splitlines()]
    assert len(records) == 6
    assert records[0]["id"] == 1 and "entities" in records[0]
    assert ["error" in r for r in records] == [False, True, False, True, True, True]
