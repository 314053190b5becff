"""Group and thread members: their words are kept only after they agree; /forget needs no
consent; a forgotten member's contributions are blanked at their own places in the list."""

from __future__ import annotations

from bot.inbound import Inbound
from bot.private import PrivateChat
from bot.telegram.groups import GroupChat
from tests.chat_harness import command_context
from tests.test_privacy_encryption import all_values
from worker.community.records import Contribution
from worker.community.stories import start_story
from worker.counsel.rights import forget_user
from worker.ops.runtime import WorkerContext

BEA, CAL = "telegram:51", "telegram:52"
GROUP = "-100777"
STORY = f"telegram-group:{GROUP}"
WORDS = "Grandpa Ignatius sang in the Wartburg all the way to Gdansk."


def _said(user: str, text: str = "", kind: str = "text", data: str | None = None) -> Inbound:
    return Inbound(kind=kind, platform="telegram", user=user, chat_id=GROUP, private=False,
                   name=user.split(":")[1], text=text, data=data, addressed=True,
                   title="Family")  # type: ignore[arg-type]


def test_a_members_words_are_kept_only_after_they_agree(ctx: WorkerContext) -> None:
    store, group = ctx.store, GroupChat(command_context(ctx))
    asked = group.handle(_said(BEA, WORDS))
    assert store.contribution_count(STORY) == 0, "kept before the member agreed"
    assert not [v for v in all_values(store.redis) if b"Ignatius" in v]
    assert any(b.data == "join:yes" for row in asked[0].buttons for b in row), asked
    group.handle(_said(BEA, kind="press", data="join:yes"))
    group.handle(_said(BEA, WORDS))
    assert [c.text for c in store.contributions(STORY)] == [WORDS]
    group.handle(_said(CAL, "And Aunt Zofia drove."))  # Cal has not agreed: still nothing
    assert store.contribution_count(STORY) == 1


def test_forget_works_without_having_consented(ctx: WorkerContext) -> None:
    store = ctx.store
    start_story(store, story=STORY, title="Family", platform="telegram", channel_id=GROUP,
                started_by=CAL)
    store.add_contribution(Contribution(story=STORY, author=BEA, name="Bea", text=WORDS))
    private = PrivateChat(command_context(ctx), "telegram")
    assert not private.consented(BEA), "Bea never started a story of her own"
    [asked] = private.command(BEA, "forget", "")
    assert "deletes everything" in asked.text and asked.buttons
    [done] = private.press(BEA, "forget:yes")
    assert "deleted everything" in done.text
    assert not [v for v in all_values(store.redis) if b"Ignatius" in v or BEA.encode() in v]


def test_blanking_a_forgotten_member_uses_the_raw_lists_places(ctx: WorkerContext) -> None:
    store = ctx.store
    start_story(store, story=STORY, title="Family", platform="telegram", channel_id=GROUP,
                started_by=CAL)
    key = store.keys.community_contributions(STORY)
    store.add_contribution(Contribution(story=STORY, author=BEA, name="Bea", text="Bea one."))
    store.redis.rpush(key, b'{"not": "a contribution"}')  # dead-lettered when read
    store.add_contribution(Contribution(story=STORY, author=CAL, name="Cal", text="Cal's part."))
    store.add_contribution(Contribution(story=STORY, author=BEA, name="Bea", text="Bea two."))
    forget_user(store, BEA, ctx.settings)
    kept = [(c.name, c.text, c.removed) for c in store.contributions(STORY)]
    assert kept == [("someone", "", True), ("Cal", "Cal's part.", False),
                    ("someone", "", True)], kept
    assert store.redis.lindex(key, 1) == b'{"not": "a contribution"}'
