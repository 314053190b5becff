"""Fixtures shared by the Discord adapter tests (imported by each test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.discord.adapter import DiscordAdapter
from tests.chat_harness import AdapterThread, command_context, wait_until
from tests.fakes.discord_api import FakeDiscord
from worker.ops.runtime import WorkerContext, install
from worker.settings import Settings

MEMBERS = ("alice", "bob", "carol")


@pytest.fixture(name="dc")
def fake_discord() -> Iterator[FakeDiscord]:
    """The fake Discord (REST + gateway), with discord.py pointed at it."""
    with FakeDiscord() as fake, fake.patched():
        for name in MEMBERS:
            fake.add_user(name)
        yield fake


@pytest.fixture(name="dctx")
def discord_context(settings: Settings, client: redis.Redis) -> WorkerContext:
    """A worker context for the Discord tests: short generations, a long vote window.

    The community test's vote closes early, once every writer has voted.
    """
    tuned = settings.model_copy(update={"storyloom_max_new_tokens": 24,
                                        "community_weave_every": 3,
                                        "community_vote_seconds": 30.0})
    context = WorkerContext.build(tuned, client)
    install(context)
    return context


class DiscordRun(AdapterThread):
    """The real Discord adapter in its own thread; entered once it is connected and synced."""

    def __init__(self, ctx: WorkerContext, dc: FakeDiscord) -> None:
        super().__init__(DiscordAdapter(command_context(ctx), ctx.settings, dc.token))
        self.dc = dc

    def __enter__(self) -> DiscordRun:
        super().__enter__()
        route = "PUT /applications/{application_id}/commands"
        synced = len(self.dc.calls(route))
        # a liveness bound, not a speed target: a loaded CI machine took over 20 s once
        wait_until(lambda: self.dc.connected and len(self.dc.calls(route)) > synced,
                   timeout=60, what="discord connected and commands synced")
        return self


def posts(dc: FakeDiscord, channel_id: str) -> list[str]:
    """The contents the bot posted in a channel."""
    return [p.content for p in dc.sent(channel_id)]
