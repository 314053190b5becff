"""The planner: untold moments in life order, steering with /about, retelling for /retry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from nlu.schema import TimeValue
from worker.profile.model import LifeEvent, Person, Place, Profile
from worker.store.records import GenerationStats, Installment
from worker.story.planner import plan_again, plan_next
from worker.story.prompt import build_prompt

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _event(text: str, turn: str, minutes: int, year: int | None = None,
           place: str | None = None, time: str | None = None) -> LifeEvent:
    tv = TimeValue(text=str(year), start=date(year, 1, 1), end=date(year, 12, 31),
                   precision="year") if year else None
    return LifeEvent(text=text, predicate="do", place=place, time=time or (str(year) if year
                     else None), time_value=tv, score=0.9, turn_id=turn,
                     said_at=T0 + timedelta(minutes=minutes))


def _profile() -> Profile:
    people = (Person(name="Maria", relation="grandmother", aliases=("my grandmother Maria",),
                     first_seen=T0, last_seen=T0),
              Person(name="Tom", relation="brother", first_seen=T0, last_seen=T0))
    places = tuple(Place(name=n, first_seen=T0, last_seen=T0) for n in ("Lisbon", "Porto",
                                                                      "Braga"))
    events = (
        _event("In 1998 my family moved to Porto", "t3", 3, year=1998),
        _event("I cried on the train", "t3", 3),
        _event("My grandmother Maria taught me to bake bread in Lisbon", "t1", 1, year=1985,
               place="Lisbon"),
        _event("My brother Tom taught me to swim near Braga", "t4", 4, year=1990),
        _event("I married Joe", "t5", 5, year=2003),
    )
    return Profile(user="local:t", people=people, places=places, events=events)


def _told(profile: Profile, plan_event_ids: tuple[str, ...], number: int = 1) -> Installment:
    stats = GenerationStats(model="m", prompt_tokens=1, new_tokens=1, seconds=1, tokens_per_s=1)
    return Installment(user=profile.user, request_id=f"r{number}", number=number, text="...",
                       tone="auto", event_ids=plan_event_ids, stats=stats,
                       beats=("Something told.",))


def test_first_plan_starts_at_the_earliest_untold_moment_with_its_people_and_places() -> None:
    profile = _profile()
    plan = plan_next(profile, [], "second")
    assert plan is not None
    first = plan.beats[0]
    assert first.text.startswith("Your grandmother Maria taught you")
    labels = {(a.kind, a.label) for a in first.anchors}
    assert {("person", "Maria"), ("place", "Lisbon"), ("time", "1985")} <= labels
    assert len(plan.beats) == 2


def test_told_moments_are_not_planned_again_and_a_turn_stays_one_beat() -> None:
    profile = _profile()
    story: list[Installment] = []
    seen: list[str] = []
    while (plan := plan_next(profile, story, "second")) is not None:
        assert not set(plan.event_ids) & {e for i in story for e in i.event_ids}
        seen += [b.turn_id for b in plan.beats]
        story.append(_told(profile, plan.event_ids, len(story) + 1))
    assert sorted(seen) == ["t1", "t3", "t4", "t5"]  # each moment exactly once
    porto = next(e for e in profile.events if "Porto" in e.text)
    train = next(e for e in profile.events if "train" in e.text)
    assert any({porto.event_id, train.event_id} <= set(i.event_ids) for i in story)


def test_about_steers_to_that_person_and_retells_when_all_is_told() -> None:
    profile = _profile()
    plan = plan_next(profile, [], "second", about="Tom")
    assert plan is not None and plan.beats[0].turn_id == "t4" and not plan.retelling
    by_relation = plan_next(profile, [], "second", about="grandmother")
    assert by_relation is not None and by_relation.beats[0].turn_id == "t1"
    everything = tuple(e.event_id for e in profile.events)
    again = plan_next(profile, [_told(profile, everything)], "second", about="Tom")
    assert again is not None and again.retelling and again.beats[0].turn_id == "t4"
    assert plan_next(profile, [], "second", about="Madrid") is None


def test_retry_keeps_the_same_moments() -> None:
    profile = _profile()
    plan = plan_next(profile, [], "first")
    assert plan is not None
    redo = plan_again(profile, _told(profile, plan.event_ids), "first")
    assert redo is not None and set(redo.event_ids) == set(plan.event_ids)


def test_point_of_view_changes_the_beats_and_the_opening() -> None:
    profile = _profile()
    first = plan_next(profile, [], "first")
    third = plan_next(profile, [], "third", name="Ana")
    assert first is not None and third is not None
    assert first.beats[0].text.startswith("My grandmother Maria taught me")
    assert third.beats[0].text.startswith("Ana's grandmother Maria taught Ana")
    prompt = build_prompt(third, "joy", "third", "past", [], chapters={}, chapter=1, name="Ana")
    assert prompt.prefix == "In 1985, Ana"
    assert "third person, about Ana" in prompt.messages[1]["content"]


def test_a_long_story_is_summarised_to_fit_the_prompt_budget() -> None:
    profile = _profile()
    plan = plan_next(profile, [], "second")
    assert plan is not None
    story = [_told(profile, (), n).model_copy(update={"beats": (f"Memory number {n} " * 12,)})
             for n in range(1, 200)]
    short = build_prompt(plan, "calm", "second", "past", story, chapters={}, chapter=1,
                         budget=400)
    long = build_prompt(plan, "calm", "second", "past", story, chapters={}, chapter=1,
                        budget=4000)
    def size(p):  # type: ignore[no-untyped-def]
        return sum(len(m["content"]) for m in p.messages) // 4
    assert size(short) <= 400 < size(long) <= 4000
    assert "Part 199" in short.messages[1]["content"]  # the latest part is kept
    assert "Part 1:" not in short.messages[1]["content"]


def test_a_moment_with_no_date_stays_where_it_was_told_among_the_dated_ones() -> None:
    """Read on a tune replay: "my grandpa Walt had a garage" (no date, told first) came
    after "grandpa died in 2006", because undated moments sorted last."""
    from worker.story.planner import moments

    events = (
        _event("My grandpa Walt had a garage behind his house", "g1", 1),
        _event("In 1999 we built a bike together", "g2", 2, year=1999),
        _event("It had no brakes", "g3", 3),
        _event("Grandpa died in 2006", "g4", 4, year=2006),
        _event("I was married in 1990", "g5", 5, year=1990),
        _event("I still use his tire levers", "g6", 6),
    )
    profile = Profile(user="local:g", events=events)
    order = [group[0].turn_id for group in moments(profile)]
    assert order == ["g5", "g1", "g2", "g3", "g4", "g6"]


def test_a_story_told_a_line_at_a_time_is_told_to_its_end() -> None:
    """Second held-out set: a dinner told in eight short messages, the kitchen fire at the
    end, was planned as its first two lines (the third moment only came when it shared
    someone or somewhere), and two installments told the cooking and never the fire."""
    lines = ["I decided to bake a cake for her parents", "I had never baked anything",
             "the oven door was broken so I propped it with a chair",
             "the chair slipped and the cake fell on the floor",
             "the dog ate half of it before I could stop him",
             "her mum laughed so hard she cried"]
    profile = Profile(user="local:t", events=tuple(
        _event(text, f"t{i}", i) for i, text in enumerate(lines)))
    plan = plan_next(profile, [], "second")
    assert plan is not None
    assert [b.turn_id for b in plan.beats] == [f"t{i}" for i in range(6)]
    # moments each on its own date stay apart
    apart = Profile(user="local:t", events=tuple(
        _event(text, f"t{i}", i * 2, year=2000 + i) for i, text in enumerate(lines)))
    plan = plan_next(apart, [], "second")
    assert plan is not None and len(plan.beats) == 2
    # paragraphs, not lines (third held-out set: a fourth long moment crowded the page and
    # lost the sentence naming Mrs. Lucretia)
    padding = " and then we walked along the old road by the river for hours" * 3
    long = Profile(user="local:t", events=tuple(
        _event(" ".join((text + padding).split()[:32]), f"t{i}", i)
        for i, text in enumerate(lines)))
    plan = plan_next(long, [], "second")
    assert plan is not None and len(plan.beats) == 2
    # the message is what is long, not the moment the NLU took from it
    plan = plan_next(profile, [], "second", lengths={f"t{i}": 60 for i in range(6)})
    assert plan is not None and len(plan.beats) == 2
