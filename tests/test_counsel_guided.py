"""Guided sessions: the counselor's prompts are asked in the chat, in order."""

from __future__ import annotations

import pytest

from tests.counsel_support import counselor, deliveries, link, tell
from worker.counsel.guide import (
    CLOSING,
    TEMPLATES,
    opening_message,
    parse_prompts,
    plan_session,
)
from worker.ops.runtime import WorkerContext


def test_each_answer_gets_the_next_prompt_and_answers_join_the_story(
    ctx: WorkerContext, analyzer  # type: ignore[no-untyped-def]
) -> None:
    account = counselor(ctx)
    user = "local:gui"
    link(ctx, account, user)
    session = plan_session(user, account.account_id, "reminiscence",
                           custom="Who taught you to cook?\nWhere did you learn it?")
    ctx.store.start_guided(session, opening_message(session))
    tell(ctx, analyzer, user, "My aunt Clara taught me to cook.")
    tell(ctx, analyzer, user, "She taught me in her kitchen in Lisbon in 1962.")
    tell(ctx, analyzer, user, "We also had a dog called Tico.")
    texts = [d.text for d in deliveries(ctx, user)]
    assert "Who taught you to cook?" in texts[0]
    assert texts[1] == "Thank you. Where did you learn it?"
    assert texts[2] == CLOSING
    assert not texts[3].startswith("Thank you. "), "after the plan the usual replies return"
    done = ctx.store.guided(user)
    assert done is not None and done.status == "answered" and len(done.answers) == 2
    profile = ctx.store.get_profile(user)
    assert "Lisbon" in {p.name for p in profile.places}
    assert any("Clara" in p.name for p in profile.people)


def test_a_crisis_answer_gets_care_not_the_next_prompt(ctx: WorkerContext, analyzer) -> None:  # type: ignore[no-untyped-def]
    account = counselor(ctx)
    user = "local:care"
    link(ctx, account, user)
    session = plan_session(user, account.account_id, "externalising")
    ctx.store.start_guided(session, opening_message(session))
    tell(ctx, analyzer, user, "I want to kill myself.")
    reply = deliveries(ctx, user)[-1].text
    assert "988" in reply
    still = ctx.store.guided(user)
    assert still is not None and still.answers == ()


def test_templates_and_custom_prompts() -> None:
    for name, template in TEMPLATES.items():
        if name != "blank":
            assert plan_session("local:x", "c", name).prompts == template.prompts
    with pytest.raises(ValueError):
        plan_session("local:x", "c", "blank")
    with pytest.raises(ValueError):
        plan_session("local:x", "c", "no-such-template")
    with pytest.raises(ValueError):
        parse_prompts("\n".join(f"q{i}" for i in range(30)))
    assert parse_prompts("  one \n\n\x00two\r\n") == ("one", "two")
