"""Bad input gets a short, clear answer; nothing crashes; valid turns are stored."""

from __future__ import annotations

from pathlib import Path

import redis

from tests.test_end_to_end import run_demo
from worker.conversation.intake import CUT, EMPTY, clean_text, has_content, receive_text
from worker.settings import Settings
from worker.store.store import Store


def test_clean_text_keeps_words_and_drops_control_characters() -> None:
    assert clean_text("Maria\x00 baked\x07 bread\r\n\tin Lisbon\x1b[31m") == (
        "Maria baked bread\n\tin Lisbon[31m")
    assert clean_text(b"caf\xc3\xa9 \xff\xfe ok") == "café \ufffd\ufffd ok"
    assert clean_text(" \n\t ") == ""


def test_invisible_only_messages_are_empty_but_emoji_sequences_are_not(
    settings: Settings, client: redis.Redis
) -> None:
    assert not has_content(clean_text("\u200b\u200d\ufeff \u2060"))
    assert has_content("\U0001f469\u200d\U0001f467"), "a ZWJ emoji sequence is something said"
    store = Store.from_settings(settings, client)
    got = receive_text(store, settings, user="local:zw", platform="local", chat_id="zw",
                       text="\u200b\u200b\u200d")
    assert got.turn is None and got.notice == EMPTY
    assert store.turns("local:zw") == []


def test_demo_survives_hostile_lines(
    settings: Settings, tmp_path: Path, client: redis.Redis
) -> None:
    limit = 50_000
    script = tmp_path / "bad.txt"
    script.write_bytes(b"\n".join([
        b"   \t ",                                   # whitespace only
        b"My sister Lena \x00lives in \x07Berlin.",  # control characters
        b"I met Jo\xff\xfe in Paris.",                # invalid UTF-8
        ("I remember " * 100_000).encode(),          # ~1 MB
        b"/story too many words",                    # wrong arguments
        b"/tone furious",                            # unknown tone
        b"/nosuchcommand",                           # unknown command
        b"/",                                        # a bare slash
    ]) + b"\n")
    out = run_demo(settings, script, user="bad", STORYLOOM_MAX_MESSAGE_CHARS=str(limit))
    texts = [o.get("text", "") for o in out]
    assert EMPTY in texts
    assert any("not valid UTF-8" in t for t in texts)
    assert CUT.format(kept=limit) in texts
    assert any("/story takes no arguments" in t for t in texts)
    assert any(t.startswith("Choose one of:") for t in texts)
    assert any("/nosuchcommand" in t and "/help" in t for t in texts)
    assert out[-1]["type"] == "profile"
    store = Store.from_settings(settings, client)
    turns = store.turns("local:bad")
    # the whitespace line is not a turn; the bare "/" is kept as something said
    assert len(turns) == 4
    assert "Lena" in turns[0].text and "\x00" not in turns[0].text
    assert "\ufffd" in turns[1].text
    assert turns[2].truncated and len(turns[2].text) == limit
    assert out[-1]["profile"]["turns_applied"] == 4
