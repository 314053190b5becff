"""Community co-writing in Discord threads: three members, a vote, a woven and credited part."""

from __future__ import annotations

import re

from tests.chat_harness import run_generate
from tests.discord_fixtures import (  # noqa: F401 - fixtures
    DiscordRun,
    discord_context,
    fake_discord,
    posts,
)
from tests.fakes.discord_api import FakeDiscord
from worker.ops.runtime import WorkerContext


def start_story(dc: FakeDiscord, title: str, user: str) -> str:
    """/story start in #general; returns the new thread's id."""
    interaction = dc.push_slash("story start", {"title": title}, user=user)
    post = dc.wait_for_sync(lambda: [p for p in dc.sent() if p.interaction_id == interaction["id"]
                                     and "Started" in p.content], timeout=10)[0]
    match = re.search(r"<#(\d+)>", post.content)
    assert match, post.content
    return match.group(1)


def join(dc: FakeDiscord, thread: str, *members: str) -> None:
    """Members agree that their words are kept in the thread's story (the intro's button)."""
    intro = dc.wait_for_sync(lambda: [p for p in dc.sent(thread) if "join:yes" in p.custom_ids],
                             timeout=10)[0]
    before = len([p for p in dc.sent() if p.ephemeral and "from now on" in p.content])
    for member in members:
        dc.push_component(intro.id, "join:yes", user=member)
    dc.wait_for_sync(lambda: len([p for p in dc.sent() if p.ephemeral
                                  and "from now on" in p.content]) == before + len(members),
                     timeout=10)


def votes(dc: FakeDiscord, thread: str) -> list:  # type: ignore[type-arg]
    """The thread's posts that carry vote buttons."""
    return [p for p in dc.sent(thread) if any(c.startswith("vote:") for c in p.custom_ids)]


def test_three_members_vote_and_the_story_is_woven_with_credits(
    dctx: WorkerContext, dc: FakeDiscord, language_model  # type: ignore[no-untyped-def]
) -> None:
    store = dctx.store
    with DiscordRun(dctx, dc):
        thread = start_story(dc, "The Lighthouse", "alice")
        other = start_story(dc, "Second Story", "bob")
        assert "“The Lighthouse” starts here" in dc.wait_for_sync(lambda: posts(dc, thread))[0]
        join(dc, thread, "alice", "bob", "carol")
        join(dc, other, "bob")
        dc.push_message(thread, "alice", "The keeper found a glass bottle on the rocks.")
        dc.push_message(other, "bob", "Meanwhile a train left the city.")
        dc.push_message(thread, "bob", "Inside was a map drawn in blue ink.")
        dc.push_message(thread, "carol", "They rowed out at dawn to find the island.")
        vote = dc.wait_for_sync(lambda: votes(dc, thread), timeout=10)[0]
        choices = vote.custom_ids
        assert len(choices) == 3 and all(c.startswith("vote:") for c in choices)
        dc.push_component(vote.id, choices[1], user="alice")
        dc.push_component(vote.id, choices[1], user="bob")
        dc.push_component(vote.id, choices[0], user="carol")
        chosen = dc.wait_for_sync(lambda: [p for p in dc.sent(thread)
                                           if p.content.startswith("The members chose")],
                                  timeout=10)[0]
        run_generate(dctx, language_model)
        woven = dc.wait_for_sync(lambda: [p for p in dc.sent(thread)
                                          if p.content.startswith("**The story continues**")],
                                 timeout=15)[0]
        dc.wait_for_sync(lambda: not votes(dc, thread))
        dc.wait_for_sync(lambda: dc.typing(thread))
        dc.push_slash("story end", user="carol", channel_id=thread)
        dc.wait_for_sync(lambda: any("is finished" in p for p in posts(dc, thread)))
        dc.push_message(thread, "carol", "One more line after the end.")
        dc.push_slash("story weave", user="bob")  # in #general: not a story's thread
        dc.wait_for_sync(lambda: any("no story in this thread" in p.content
                                     for p in dc.sent(dc.channel_id)))
    labels = [b["label"] for b in vote.buttons]
    assert chosen.content == f"The members chose: {labels[1]}. Weaving the next part…"
    assert woven.content.endswith("Woven from the words of Alice, Bob and Carol.")
    story = f"discord-thread:{thread}"
    [weave] = store.weaves(story)
    assert weave.direction == labels[1] and weave.credits == ("Alice", "Bob", "Carol")
    assert weave.text and weave.text in woven.content.replace("\\", "")
    assert len(weave.contribution_ids) == 3 and store.get_community(story).woven_upto == 3
    assert store.contribution_count(story) == 3, "an ended story takes no more contributions"
    assert [c.name for c in store.contributions(f"discord-thread:{other}")] == ["Bob"]
    assert store.weaves(f"discord-thread:{other}") == [], "each story keeps its own state"
    toasts = [p.content for p in dc.sent() if p.ephemeral and p.content.startswith("You voted")]
    assert len(toasts) == 3
    assert all(a.latency < dc.interaction_timeout for a in dc.interaction_responses())
