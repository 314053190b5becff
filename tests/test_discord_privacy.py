"""Privacy across audiences: a private canary never reaches a community story without /share on."""

from __future__ import annotations

import redis

from tests.chat_harness import run_generate, run_nlu, wait_until
from tests.discord_fixtures import DiscordRun, fake_discord, posts  # noqa: F401 - fixtures
from tests.fakes.discord_api import FakeDiscord
from tests.test_discord_community import join, start_story
from worker.community.weave import shared_memories
from worker.ops.runtime import WorkerContext, install
from worker.settings import Settings

CANARY = ("Zephyrine", "Quillfeather", "Vladivostok")
ALICE_SECRET = "My childhood friend Zephyrine Quillfeather lived in Vladivostok."
BOB_SHARED = "In 1969 my uncle Bartholomew sailed to Reykjavik."


def dm(dc: FakeDiscord, who: str, text: str) -> None:
    channel = dc.dm_channel(who)["id"]
    before = len(dc.sent(channel))
    dc.push_message(channel, who, text)
    dc.wait_for_sync(lambda: len(dc.sent(channel)) > before, timeout=10)


def test_private_canary_stays_out_of_the_group_story(
    settings: Settings, client: redis.Redis, dc: FakeDiscord,
    analyzer, language_model  # type: ignore[no-untyped-def]
) -> None:
    ctx = WorkerContext.build(settings.model_copy(update={
        "storyloom_max_new_tokens": 24, "community_weave_every": 0,
        "community_vote_seconds": 0}), client)
    install(ctx)
    store = ctx.store
    alice, bob = (f"discord:{dc.add_user(n)['id']}" for n in ("alice", "bob"))
    with DiscordRun(ctx, dc):
        for who, memory in (("alice", ALICE_SECRET), ("bob", BOB_SHARED)):
            dm(dc, who, "/agree")
            dc.push_message(dc.dm_channel(who)["id"], who, memory)
        dm(dc, "bob", "/share on")
        wait_until(lambda: store.turns(alice) and store.turns(bob))
        run_nlu(ctx, analyzer)
        assert any("Zephyrine" in e.text for e in store.get_profile(alice).events)
        thread = start_story(dc, "The Harbour", "alice")
        join(dc, thread, "alice", "bob")
        dc.push_message(thread, "alice", "The harbour woke to the smell of salt and bread.")
        dc.push_message(thread, "bob", "A fishing boat came in with a strange flag.")
        wait_until(lambda: store.contribution_count(f"discord-thread:{thread}") == 2)
        dc.push_slash("story weave", user="bob", channel_id=thread)
        dc.wait_for_sync(lambda: any("Weaving" in p for p in posts(dc, thread)), timeout=10)
        run_generate(ctx, language_model)
        dc.wait_for_sync(lambda: any(p.startswith("**The story continues**")
                                     for p in posts(dc, thread)), timeout=15)
        dc.push_slash("story recap", user="alice", channel_id=thread)
        dc.push_slash("story export", user="alice", channel_id=thread)
        exported = dc.wait_for_sync(lambda: [p for p in dc.sent(thread) if p.files], timeout=10)
    story = f"discord-thread:{thread}"
    [weave] = store.weaves(story)
    community_text = " ".join(posts(dc, thread)) + weave.text + " ".join(
        data.decode() for post in exported for data in post.files.values())
    assert "Woven from the words of Alice and Bob." in community_text
    assert not any(word in community_text for word in CANARY), "the canary leaked"
    assert weave.shared_from == (bob,), "only the member who turned sharing on was used"
    contributions = store.contributions(story)
    shared = shared_memories(store, contributions)
    assert [s.author for s in shared] == [bob] and "Bartholomew" in shared[0].text
    store.set_community_sharing(alice, True)
    allowed = " ".join(s.text for s in shared_memories(store, contributions))
    assert "Zephyrine" in allowed, "with /share on, the same memory may be woven in"
