"""Encryption at rest: no user text in any Redis value, per-user keys, the master key file."""

from __future__ import annotations

import logging
import stat

import pytest
import redis
from pydantic import SecretStr

from tests.counsel_support import counselor, deliveries, fake_installment, link, say, tell
from worker.counsel.guide import opening_message, plan_session
from worker.ops.runtime import WorkerContext
from worker.settings import Settings
from worker.store import crypto
from worker.store.records import UserSettings
from worker.store.store import Store

CANARIES = ("Thornbury", "Saltcombe", "Philippa", "lighthouse keeper", "marmalade",
            "Quillon")


def all_values_of(client: redis.Redis, key: bytes) -> list[bytes]:
    """Every value stored under one key, whatever its type."""
    kind = client.type(key).decode()
    if kind == "string":
        return [client.get(key) or b""]
    if kind == "hash":
        return [b for kv in client.hgetall(key).items() for b in kv]
    if kind == "list":
        return list(client.lrange(key, 0, -1))
    if kind == "set":
        return list(client.smembers(key))
    if kind == "zset":
        return [m for m, _ in client.zrange(key, 0, -1, withscores=True)]
    if kind == "stream":
        return [b for _, fields in client.xrange(key) for kv in fields.items() for b in kv]
    return []


def all_values(client: redis.Redis) -> list[bytes]:
    """Every key name and every value in the database, whatever its type."""
    out: list[bytes] = []
    for key in client.scan_iter(count=1000):
        out += [key, *all_values_of(client, key)]
    return out


def test_no_user_text_is_stored_in_plaintext(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    store, client = ctx.store, ctx.store.redis
    account = counselor(ctx, chat_user="telegram:1")
    user = "telegram:2"
    link(ctx, account, user)
    say(ctx, user, "/locale en-GB")
    session = plan_session(user, account.account_id, "blank",
                           custom="Who was Quillon to you?\nWhat did the marmalade taste like?")
    store.start_guided(session, opening_message(session))
    tell(ctx, analyzer, user,
         "My godmother Philippa Thornbury was a lighthouse keeper in Saltcombe.",
         "She made marmalade every winter.",
         "Some nights I want to die and join Philippa.")
    inst, _ = fake_installment(ctx, user, "Philippa Thornbury climbed the Saltcombe stairs.")
    store.decide_held(user, inst.installment_id, account.account_id, "edit",
                      text="Philippa Thornbury, lighthouse keeper, smiled.", note="Quillon")
    # everything is still there for whoever holds the key
    assert "Thornbury" in store.turns(user)[0].text
    assert any("Thornbury" in p.name for p in store.get_profile(user).people)
    assert any("Thornbury" in d.text for d in deliveries(ctx, user))
    assert store.get_settings(user).locale == "en-GB"
    values = all_values(client)
    assert len(values) > 50
    leaks = sorted({c for c in CANARIES for v in values if c.encode() in v})
    assert leaks == [], f"plaintext user text in Redis: {leaks}"


def test_a_record_only_opens_for_its_own_user(ctx: WorkerContext) -> None:
    store = ctx.store
    store.save_settings("local:a", UserSettings(tone="calm", locale="pt-PT"))
    sealed = store.redis.get(store.keys.user_settings("local:a"))
    assert b"pt-PT" not in sealed
    store.redis.set(store.keys.user_settings("local:b"), sealed)
    assert store.get_settings("local:b") == UserSettings(), "moved to another user: unreadable"
    store.save_profile(store.get_profile("local:b"))  # now b has a data key of its own
    store.redis.set(store.keys.user_settings("local:b"), sealed)
    assert store.get_settings("local:b") == UserSettings()


def test_a_store_with_another_master_key_refuses_loudly(ctx: WorkerContext) -> None:
    ctx.store.save_settings("local:a", UserSettings(tone="joy"))
    stranger = Store(ctx.store.redis, ctx.store.keys, crypto.MasterKey(b"\x01" * 32, "test"))
    with pytest.raises(crypto.KeyError_):
        stranger.get_settings("local:a")


def test_the_generated_master_key_is_private_and_announced(
    settings: Settings, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings.model_copy(update={"storyloom_master_key": None, "redis_url": None})
    with caplog.at_level(logging.WARNING):
        first = crypto.resolve_master_key(settings)
    path = settings.storyloom_data_dir / crypto.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("generated one" in r.getMessage() for r in caplog.records)
    assert crypto.resolve_master_key(settings).key == first.key, "kept, not regenerated"
    configured = settings.model_copy(update={"storyloom_master_key": SecretStr("ab" * 32)})
    assert crypto.resolve_master_key(configured).key == bytes.fromhex("ab" * 32)
    with pytest.raises(ValueError):
        crypto.parse_master("too short")
