"""Real discord.py 2.7.1 against the fake Discord: gateway, messages, slash commands, 429s."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import discord
import httpx
import pytest
from discord import app_commands

from tests.fakes.discord_api import FakeDiscord

MESSAGE_CONTENT_INTENT = 1 << 15
SEND = "POST /channels/{channel_id}/messages"


@pytest.fixture
def dc() -> Iterator[FakeDiscord]:
    with FakeDiscord() as fake, fake.patched():
        yield fake


class ContinueView(discord.ui.View):
    """One button; clicking it turns the page by editing the message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Continue", custom_id="story:continue")
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="Chapter 2", view=None)


def story_group() -> app_commands.Group:
    story = app_commands.Group(name="story", description="Tell your story")

    @story.command(name="start", description="Start a new story")
    async def start(interaction: discord.Interaction, title: str, chapters: int = 1) -> None:
        text = f"Started {title} ({chapters} chapters)"
        await interaction.response.send_message(text, view=ContinueView())

    @story.command(name="end", description="Finish the story")
    async def end(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="The end.")
        await interaction.followup.send("Only you can see this", ephemeral=True)

    @story.command(name="slow", description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.6)
        await interaction.response.send_message("sorry, late")

    return story


class StoryBot(discord.Client):
    """A minimal bot defined here: echoes messages, /story commands, thread and DM triggers."""

    def __init__(self, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(story_group())
        self.errors: list[BaseException] = []
        self.threads_seen: list[int] = []

        @self.tree.error
        async def on_app_command_error(interaction: discord.Interaction, error: Exception) -> None:
            self.errors.append(getattr(error, "original", error))

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.threads_seen.append(thread.id)

    async def on_message(self, message: discord.Message) -> None:
        if message.author == self.user:
            return
        if message.content == "!thread":
            thread = await message.create_thread(name="Chapter 1")
            await thread.send("Welcome to chapter 1")
        elif message.content == "!dm":
            await message.author.send("Just between us")
        elif message.content == "!revise":
            draft = await message.channel.send("draft")
            await draft.edit(content="final")
            scratch = await message.channel.send("scratch")
            await scratch.delete()
        else:
            async with message.channel.typing():
                await message.channel.send(f"echo: {message.content}")


def test_bot_connects_and_echoes_in_channels_dms_and_threads(dc: FakeDiscord) -> None:
    dc.add_user("alice")

    async def scenario() -> None:
        async with dc.running(StoryBot()) as bot:
            assert bot.get_guild(int(dc.guild_id)) is not None
            dc.push_message(dc.channel_id, "alice", "hello")
            dm = dc.dm_channel("alice")
            dc.push_message(dm["id"], "alice", "in private")
            thread = dc.create_thread(dc.channel_id, "Memories", owner="alice")
            dc.push_message(thread["id"], "alice", "in a thread")
            await dc.wait_for_sent(thread["id"])
            dc.push_message(dc.channel_id, "alice", "last")
            await dc.wait_for(lambda: len(dc.sent()) >= 4)
            assert int(thread["id"]) in bot.threads_seen

    asyncio.run(scenario())
    assert [p.content for p in dc.sent(dc.channel_id)] == ["echo: hello", "echo: last"]
    assert [p.content for p in dc.sent(dc.dm_channel("alice")["id"])] == ["echo: in private"]
    assert len(dc.sent()) == 4, "the bot saw its own echoes and ignored them"
    assert dc.typing(dc.channel_id), "typing indicator was sent"
    (identify,) = dc.identify_payloads()
    assert identify["intents"] & MESSAGE_CONTENT_INTENT
    query = dc.gateway.connect_queries[0]
    assert (query["v"], query["encoding"], query["compress"]) == ("10", "json", "zlib-stream")
    assert dc.gateway.heartbeats >= 1


def test_without_message_content_intent_guild_text_is_blank(dc: FakeDiscord) -> None:
    alice = dc.add_user("alice")

    async def scenario() -> None:
        async with dc.running(StoryBot(message_content=False)) as bot:
            assert bot.user is not None
            dc.push_message(dc.channel_id, alice, "secret plans")
            dc.push_message(dc.channel_id, alice, f"<@{bot.user.id}> hi bot")
            dc.push_message(dc.dm_channel(alice)["id"], alice, "dm text")
            await dc.wait_for(lambda: len(dc.sent()) >= 3)

    asyncio.run(scenario())
    contents = sorted(p.content for p in dc.sent())
    assert contents == sorted(["echo: ", f"echo: <@{dc.application_id}> hi bot", "echo: dm text"])


def test_slash_command_with_subcommand_then_button_click(dc: FakeDiscord) -> None:
    async def scenario() -> None:
        async with dc.running(StoryBot()):
            (story,) = dc.commands()
            start = next(o for o in story["options"] if o["name"] == "start")
            assert {o["name"]: (o["type"], o.get("required")) for o in start["options"]} == {
                "title": (3, True),
                "chapters": (4, False),
            }
            with pytest.raises(ValueError):
                dc.push_slash("story start", {"title": 7})
            interaction = dc.push_slash("story start", {"title": "My life", "chapters": 3})
            (reply,) = await dc.wait_for_sent(dc.channel_id)
            assert reply.content == "Started My life (3 chapters)"
            assert reply.custom_ids == ["story:continue"]
            assert reply.interaction_id == interaction["id"]
            dc.push_component(reply.id, "story:continue")
            await dc.wait_for(lambda: dc.sent(dc.channel_id)[0].content == "Chapter 2")

    asyncio.run(scenario())
    acks = dc.interaction_responses()
    assert [(a.kind, a.type, a.status) for a in acks] == [
        ("callback", 4, 200),
        ("callback", 7, 200),
    ]
    assert all(a.latency < dc.interaction_timeout for a in acks)
    assert dc.sent(dc.channel_id)[0].buttons == []
    assert [c.status for c in dc.calls("PUT /applications/{application_id}/commands")] == [200]


def test_deferred_response_edit_and_ephemeral_followup(dc: FakeDiscord) -> None:
    async def scenario() -> None:
        async with dc.running(StoryBot()):
            dc.push_slash("/story end", user="bob")
            await dc.wait_for(lambda: len(dc.sent()) == 2 and dc.sent()[0].content == "The end.")

    asyncio.run(scenario())
    original, followup = dc.sent()
    assert (original.via, original.ephemeral, original.flags & 128) == ("interaction", False, 0)
    assert (followup.via, followup.ephemeral, followup.content) == (
        "followup",
        True,
        "Only you can see this",
    )
    assert [(a.kind, a.type) for a in dc.interaction_responses()] == [
        ("callback", 5),
        ("edit", None),
        ("followup", None),
    ]


def test_acknowledging_too_late_fails_like_discord(dc: FakeDiscord) -> None:
    dc.interaction_timeout = 0.3  # Discord allows 3 s; shortened to keep the test fast

    async def scenario() -> StoryBot:
        async with dc.running(StoryBot()) as bot:
            dc.push_slash("story slow")
            await dc.wait_for(lambda: bot.errors)
            return bot

    bot = asyncio.run(scenario())
    (error,) = bot.errors
    assert isinstance(error, discord.NotFound) and error.code == 10062
    (ack,) = dc.interaction_responses()
    assert ack.status == 404 and ack.latency > dc.interaction_timeout
    assert dc.sent() == []


def test_thread_from_message_and_dm_creation(dc: FakeDiscord) -> None:
    async def scenario() -> StoryBot:
        async with dc.running(StoryBot()) as bot:
            trigger = dc.push_message(dc.channel_id, "alice", "!thread")
            await dc.wait_for_sent(trigger["id"])
            dc.push_message(dc.channel_id, "alice", "!dm")
            await dc.wait_for(lambda: dc.sent(dc.dm_channel("alice")["id"]))
            return bot

    bot = asyncio.run(scenario())
    thread_posts = [p for p in dc.sent() if p.content == "Welcome to chapter 1"]
    assert len(thread_posts) == 1 and int(thread_posts[0].channel_id) in bot.threads_seen
    assert dc.calls("POST /channels/{channel_id}/messages/{message_id}/threads")[0].status == 201
    assert dc.calls("POST /users/@me/channels")[0].status == 200
    assert [p.content for p in dc.sent(dc.dm_channel("alice")["id"])] == ["Just between us"]


def test_bot_edits_and_deletes_its_own_messages(dc: FakeDiscord) -> None:
    async def scenario() -> None:
        async with dc.running(StoryBot()) as bot:
            dc.push_message(dc.channel_id, "alice", "!revise")
            await dc.wait_for(lambda: any(p.deleted for p in dc.sent(include_deleted=True)))
            fetched = await bot.fetch_channel(int(dc.channel_id))
            assert isinstance(fetched, discord.TextChannel) and fetched.name == "general"

    asyncio.run(scenario())
    assert [(p.content, p.deleted) for p in dc.sent(include_deleted=True)] == [
        ("final", False),
        ("scratch", True),
    ]
    assert [e["content"] for e in dc.sent()[0].edits] == ["final"]


def test_member_intent_guilds_are_chunked_at_startup(dc: FakeDiscord) -> None:
    dc.add_user("alice")

    async def scenario() -> list[str]:
        intents = discord.Intents.default()
        intents.members = True
        client = discord.Client(intents=intents, guild_ready_timeout=0.1)
        async with dc.running(client):
            guild = client.get_guild(int(dc.guild_id))
            assert guild is not None and guild.chunked
            return sorted(m.name for m in guild.members)

    assert asyncio.run(scenario()) == ["alice", "storyloom-bot"]
    assert [str(r["guild_id"]) for r in dc.gateway.member_requests] == [dc.guild_id]


def test_429_is_slept_through_and_retried_by_discord_py(dc: FakeDiscord) -> None:
    dc.fail_next(SEND, count=1, retry_after=0.4)

    async def scenario() -> None:
        async with dc.running(StoryBot()):
            dc.push_message(dc.channel_id, "alice", "busy day")
            await dc.wait_for_sent(dc.channel_id)
            dc.fail_next(SEND, count=1, retry_after=0.3, is_global=True)
            dc.push_message(dc.channel_id, "alice", "second")
            await dc.wait_for_sent(dc.channel_id, count=2)

    asyncio.run(scenario())
    calls = dc.calls(SEND)
    assert [c.status for c in calls] == [429, 200, 429, 200]
    assert calls[1].at - calls[0].at >= 0.4 and calls[3].at - calls[2].at >= 0.3
    assert [p.content for p in dc.sent(dc.channel_id)] == ["echo: busy day", "echo: second"]


def test_bucket_headers_make_discord_py_pace_itself(dc: FakeDiscord) -> None:
    dc.set_bucket_limit(SEND, limit=1, per=0.5)

    async def scenario() -> None:
        async with dc.running(StoryBot()):
            for word in ("one", "two", "three"):
                dc.push_message(dc.channel_id, "alice", word)
            await dc.wait_for_sent(dc.channel_id, count=3)

    asyncio.run(scenario())
    calls = dc.calls(SEND)
    assert [c.status for c in calls] == [200, 200, 200], "paced by headers, never refused"
    gaps = [b.at - a.at for a, b in zip(calls, calls[1:], strict=False)]
    assert all(gap >= 0.45 for gap in gaps), gaps


def test_resume_replays_events_missed_while_disconnected(dc: FakeDiscord) -> None:
    async def scenario() -> None:
        async with dc.running(StoryBot()):
            dc.drop_connections(code=4000)
            dc.push_message(dc.channel_id, "alice", "while you were away")
            await dc.wait_for_sent(dc.channel_id)
            dc.request_reconnect()
            await dc.wait_for(lambda: len(dc.gateway.resumes) == 2)
            dc.push_message(dc.channel_id, "alice", "welcome back")
            await dc.wait_for_sent(dc.channel_id, count=2)

    asyncio.run(scenario())
    assert len(dc.identify_payloads()) == 1, "reconnects resumed instead of identifying again"
    assert [p.content for p in dc.sent()] == ["echo: while you were away", "echo: welcome back"]


def test_bad_token_and_unknown_routes(dc: FakeDiscord) -> None:
    async def scenario() -> None:
        client = discord.Client(intents=discord.Intents.default())
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
        await client.close()
        async with dc.running(StoryBot()) as bot:
            with pytest.raises(discord.NotFound):
                await bot.http.request(
                    discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=1)
                )
            with pytest.raises(discord.HTTPException) as caught:
                channel = bot.get_channel(int(dc.channel_id))
                assert isinstance(channel, discord.TextChannel)
                await channel.send("x" * 2001)
            assert caught.value.code == 50035

    asyncio.run(scenario())
    assert [c.status for c in dc.calls("GET /users/@me")] == [401, 200]
    assert [c.status for c in dc.calls("GET /guilds/1/bans")] == [404]


def test_garbage_requests_get_discord_errors_not_crashes(dc: FakeDiscord) -> None:
    url = f"{dc.api_base}/channels/{dc.channel_id}/messages"
    auth = {"Authorization": f"Bot {dc.token}", "Content-Type": "application/json"}
    with httpx.Client(timeout=5) as client:
        broken = client.post(url, content=b"{not json", headers=auth)
        listed = client.post(url, content=b'["a", "b"]', headers=auth)
        empty = client.post(url, content=b"{}", headers=auth)
        anonymous = client.post(url, content=b'{"content": "hi"}')
        unknown = client.post(
            f"{dc.api_base}/channels/1/messages", content=b'{"content": "hi"}', headers=auth
        )
    assert (broken.status_code, broken.json()["code"]) == (400, 50109)
    assert (listed.status_code, listed.json()["code"]) == (400, 50035)
    assert (empty.status_code, empty.json()["code"]) == (400, 50006)
    assert anonymous.status_code == 401
    assert (unknown.status_code, unknown.json()["code"]) == (404, 10003)
    assert broken.headers["Content-Type"] == "application/json"
    assert dc.sent() == []
