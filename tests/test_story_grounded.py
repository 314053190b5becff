"""Grounded composition, part by part, on the real spaCy pipeline (and the real model where
the model has a part): retelling, reshaping, the sentence checks, the name guard, sources."""

from __future__ import annotations

from typing import Any

import pytest

from worker.story import bridges, checks, reshape
from worker.story.retell import Voice, retell, strip_fillers
from worker.story.told import is_material


@pytest.fixture(scope="module")
def nlp() -> Any:
    from nlu.spacy_model import load_pipeline

    return load_pipeline()


def told(nlp: Any, text: str, voice: Voice | None = None) -> str:
    return retell(nlp(strip_fillers(text))[:], voice or Voice())


@pytest.mark.parametrize("said, voice, story", [
    ("I was seven when we moved to Lisbon.", Voice(), "You were seven when you moved to Lisbon."),
    ("I'm a nurse and I've worked there since 1990.", Voice("third", "past", "Ana", "she"),
     "Ana is a nurse and she has worked there since 1990."),
    ("I'd never seen snow before that winter.", Voice("third", "past", "Ana", "she"),
     "Ana had never seen snow before that winter."),
    ("My mother died when I was twelve.", Voice("second", "present"),
     "Your mother dies when you are twelve."),
    ("I love my brother Tom and he loves me.", Voice("third", "past", "Ana", "he"),
     "Ana loves his brother Tom and he loves him."),
    ("I wasn't allowed to go.", Voice("first", "present"), "I am not allowed to go."),
    ("Well, haha, I guess I was a difficult kid you know.", Voice(),
     "You were a difficult kid."),
    ('My mother said, "I love you, and I am proud of you."', Voice(),
     'Your mother said, "I love you, and I am proud of you."'),
    ("She told me \u201cnow let me see how fast you can run\u201d and I ran.", Voice(),
     "She told you \u201cnow let me see how fast you can run\u201d and you ran."),
    # fourth held-out set (Roosevelt): the parser took "us" for the country
    ("He would not tolerate in us children selfishness or cruelty.", Voice(),
     "He would not tolerate in you children selfishness or cruelty."),
])
def test_a_told_sentence_is_retold_in_the_voice_with_its_verbs_agreeing(
        nlp: Any, said: str, voice: Voice, story: str) -> None:
    assert told(nlp, said, voice) == story


def test_chat_with_storyloom_is_not_material() -> None:
    assert is_material("My grandmother Rosa raised me in Porto.")
    for chat in ("Can you write that down?", "haha yes", "Thanks so much!",
                 "I don't remember much else.", "Where did we go next?", "ok"):
        assert not is_material(chat), chat


def test_reshaping_moves_and_splits_but_never_adds_a_word(nlp: Any) -> None:
    cases = {
        "You were very sad when your dog Max died.": "When your dog Max died, you were very sad.",
        "You met your husband Arthur at a dance hall in Manchester in 1962.":
            "In 1962, you met your husband Arthur at a dance hall in Manchester.",
    }
    for before, after in cases.items():
        assert reshape.front_time(nlp(before)[:]) == after
    # third held-out set (Douglass): "Before you knew anything about it, she was gone long."
    assert reshape.front_time(nlp("Your father was gone long before you woke up.")[:]) is None
    # third held-out set (Addams): "As it were, into the thrilling and solemn interests..."
    assert reshape.front_time(nlp(
        "The long walk home was your apprenticeship, as it were, in the hard ways of the "
        "city.")[:]) is None
    assert reshape.back_time(nlp("In 2005 you started university in Coimbra.")[:]) == (
        "You started university in Coimbra in 2005.")
    # fourth held-out set (Barnum): the time had landed after the quote that ends the sentence
    assert reshape.back_time(nlp(
        "From the time when you were four years old you were always hearing of the "
        "\u201cfarm.\u201d")[:]) is None
    assert reshape.back_time(nlp("In 1998 did you really leave the farm for good?")[:]) is None
    parts = reshape.split_clauses(nlp(
        "You ran a small bakery in Leeds for twenty years, and every morning Arthur made the "
        "first loaf.")[:])
    assert parts == ["You ran a small bakery in Leeds for twenty years.",
                     "Every morning Arthur made the first loaf."]
    a, b = nlp("You loved the sea."), nlp("You swam every day.")
    assert reshape.join(a[:], b[:]) == "You loved the sea and swam every day."
    for text in [*cases.values(), *parts]:
        source = " ".join(cases) + " You ran a small bakery in Leeds for twenty years, and " \
            "every morning Arthur made the first loaf."
        assert set(text.lower().replace(",", "").replace(".", "").split()) <= set(
            source.lower().replace(",", "").replace(".", "").split())


def _grounding(nlp: Any, *turns: str) -> checks.Grounding:
    return checks.Grounding.of(nlp.pipe(list(turns)), [], {"ana": "cousin"},
                               {"you", "your"} | set(bridges.BRIDGE_WORDS))


def test_the_checks_refuse_what_a_reader_would_not_keep(nlp: Any) -> None:
    g = _grounding(nlp, "My grandmother Rosa raised me in a small flat above a bakery in Porto.",
                   "My cousin Ana visited us.")
    ok = checks.check(nlp("Your grandmother Rosa raised you in a small flat in Porto."), g)
    assert ok.ok, ok.reasons
    bad = {
        "She had a sea-fisherwoman friend, Elena, in Porto.": "name never told",
        "Rosa chose a sturdy small fathmer for you.": "non-word",
        "Here's what I have: your grandmother Rosa raised you.": "prompt or list text",
        "Rosa raised you in Porto. 3.": "prompt or list text",
        "Your grandmother Rosa in a small flat above the": "unfinished",
        "Your sister Ana visited you.": "contradicts the profile",
    }
    for text, why in bad.items():
        verdict = checks.check(nlp(text), g)
        assert any(why in r for r in verdict.reasons), (text, verdict.reasons)


def _expect_verdicts(nlp: Any, judge: checks.Rephrasing, source: str,
                     candidates: dict[str, str | None]) -> None:
    """Each candidate rewording of source passes (None) or is refused for the reason given."""
    verdicts = judge.judge(list(nlp.pipe(list(candidates))), [nlp(source)] * len(candidates))
    for (text, why), verdict in zip(candidates.items(), verdicts, strict=True):
        if why is None:
            assert verdict.ok, (text, verdict.reasons)
        else:
            assert any(why in r for r in verdict.reasons), (text, verdict.reasons)


def test_a_rewording_must_keep_every_fact_of_the_sentence_it_retells(nlp: Any) -> None:
    from worker.story.grounded import sentence_encoder

    source = "Your brother Tom moved to Canada when you were twelve."
    g = _grounding(nlp, "My brother Tom moved to Canada when I was twelve.")
    judge = checks.Rephrasing(g, sentence_encoder().embed)
    candidates = {
        "When you were twelve, your brother Tom moved to Canada.": None,
        "Your brother Tom moved to Canada when you were ten.": "numbers changed",
        "Your brother Tom never moved to Canada when you were twelve.": "negation changed",
        "Your brother Tom moved to Canada when he was twelve.": "someone else",
        "Your brother Tom moved near Canada when you were twelve.": "where or when",
        "Your brother Tom, a baker, moved to Canada when you were twelve.": "never told",
    }
    _expect_verdicts(nlp, judge, source, candidates)


def test_a_rewording_keeps_when_where_and_who_did_it(nlp: Any) -> None:
    """Seen in `storyloom chat`: "every morning" went, and the sentence passed every check."""
    from worker.story.grounded import sentence_encoder

    told = "My grandmother Rosa sold fried pastries at the bus station every morning."
    source = "Your grandmother Rosa sold fried pastries at the bus station every morning."
    judge = checks.Rephrasing(_grounding(nlp, told), sentence_encoder().embed)
    candidates = {
        "Every morning, your grandmother Rosa sold fried pastries at the bus station.": None,
        "At the bus station, your grandmother Rosa sold fried pastries.": "leaves out morning",
    }
    _expect_verdicts(nlp, judge, source, candidates)
    # seen in `storyloom chat` too: the helper became the helped
    told = "I helped her carry the trays."
    judge = checks.Rephrasing(_grounding(nlp, told), sentence_encoder().embed)
    candidates = {
        "You helped her to carry the trays.": None,
        "She helped you carry the trays.": "who did it changed",
    }
    _expect_verdicts(nlp, judge, "You helped her carry the trays.", candidates)


def test_what_the_tune_replays_showed_a_reader_is_mended(nlp: Any) -> None:
    """Read on the tune replays: the teller's own 'your grandpa Walt' was dropped as a
    relation clash with 'grandfather'; 'so we wouldnt feel bad' lost its 'so' and its
    apostrophe; 'like 30 tacos' kept chat's 'like'; a rewording that drops ', you still use
    them' or says 'a hospital' twice passed."""
    from worker.story.grounded import sentence_encoder
    from worker.story.told import sentences_of

    g = checks.Grounding.of(nlp.pipe(["my grandpa Walt had a garage"]), ["Walt"],
                            {"walt": "grandfather"}, {"you", "your"})
    assert checks.check(nlp("Your grandpa Walt had a garage."), g).ok
    assert not checks.check(nlp("Your uncle Walt had a garage."), g).ok
    said = ("first week we sold like 30 tacos total lol. Rafa's mom Elena came every day to "
            "buy some so we wouldnt feel bad")
    assert sentences_of(nlp(said)) == [
        "first week we sold about 30 tacos total.",
        "Rafa's mom Elena came every day to buy some so we wouldn't feel bad"]
    assert strip_fillers("I like 2 cats") == "I like 2 cats"
    judge = checks.Rephrasing(_grounding(nlp, "my mom gave me his tire levers, I still use them",
                                         "I worked nights at a hospital there"),
                              sentence_encoder().embed)
    _expect_verdicts(nlp, judge, "Your mom gave you his tire levers, you still use them.", {
        "Your mom gave you his tire levers.": "leaves out"})


def test_a_rewording_may_not_drop_a_thing_or_say_a_number_twice(nlp: Any) -> None:
    """Seen in a rephraser trial (tune sentences): "on your street" dropped, and "in 1950"
    said twice, both passed every check."""
    from worker.story.grounded import sentence_encoder

    judge = checks.Rephrasing(_grounding(nlp, "My mother Nora ran a sweet shop on our street "
                                              "in Dublin.", "I was born in Dublin in 1950, "
                                              "the youngest of five children."),
                              sentence_encoder().embed)
    _expect_verdicts(nlp, judge, "Your mother Nora ran a sweet shop on your street in Dublin.", {
        "In Dublin, your mother Nora ran a sweet shop on your street.": None,
        "In Dublin, your mother Nora ran a sweet shop.": "leaves out street"})
    _expect_verdicts(nlp, judge, "You were born in Dublin in 1950, the youngest of five "
                                 "children.", {
        "In 1950, you were born in Dublin, the youngest of five children.": None,
        "You were born in 1950, the youngest of five children, in Dublin in 1950.":
            "numbers changed"})
    _expect_verdicts(nlp, judge, "You worked nights at a hospital there.", {
        "At a hospital there, you worked nights at a hospital.": "says a thing twice"})
    judge = checks.Rephrasing(_grounding(nlp, "we built a bike and I rode it to the lake",
                                         "I learned German at a school near the harbour"),
                              sentence_encoder().embed)
    _expect_verdicts(nlp, judge, "You rode it to the lake.", {
        "To the lake, you rode it.": None,
        "To the lake, you rode.": "leaves out what it was done to"})
    _expect_verdicts(nlp, judge, "You learned German at a school near the harbour.", {
        "At the school near the harbour, where you learned German.": "no main verb"})
    # a closing line naming Jan ends on the token "Jan." and is still a finished sentence
    assert checks.check(nlp("Those were happy days with Jan."), _grounding(nlp, "Jan")).ok


def test_transitions_follow_from_the_dates_only() -> None:
    from datetime import date

    from nlu.schema import TimeValue

    def year(y: int) -> TimeValue:
        return TimeValue(text=str(y), start=date(y, 1, 1), end=date(y, 12, 31), precision="year")

    def summer(y: int) -> TimeValue:
        return TimeValue(text=f"the summer of {y}", start=date(y, 6, 1), end=date(y, 8, 31),
                         precision="season")

    assert bridges.transition(year(1962), year(2015)) == "Fifty-three years later"
    assert bridges.transition(year(1998), year(1999)) == "A year later"
    assert bridges.transition(summer(2001), summer(2003)) == "Two summers later"
    assert bridges.transition(year(1998), year(1998)) == "That same year"
    assert bridges.transition(year(1998), None) is None, "undated: nothing says when"
    # held-out chemo story: "in February" (no year) was placed in the February nearest to
    # when it was said, and the bridge read "Four years later" after January 2022
    february = TimeValue(text="in February", start=date(2026, 2, 1), end=date(2026, 2, 28),
                         precision="month")
    assert bridges.transition(year(2022), february) is None
    last_spring = TimeValue(text="last spring", start=date(2026, 3, 1), end=date(2026, 5, 31),
                            precision="season")
    assert bridges.transition(year(1970), last_spring) == "Fifty-six years later"
    assert bridges.transition(TimeValue(text="when I was 7", age=7, precision="age"),
                              TimeValue(text="when I was 12", age=12, precision="age")) == (
        "Five years later")


def test_the_name_guard_never_lets_decoding_start_an_unknown_name(language_model: Any) -> None:
    from worker.llm.names import NameGuard

    lm = language_model
    guard = NameGuard(lm.tokenizer, ["Rosa", "Porto"])
    chat = [{"role": "user", "content": "Tell me a short story about a fisherman and his "
             "friends, naming each of them."}]
    texts, _ = lm.sample([chat], rows=4, max_new_tokens=40, temperature=1.0, top_p=1.0,
                         seed=3, guard=guard)
    unguarded, _ = lm.sample([chat], rows=4, max_new_tokens=40, temperature=1.0, top_p=1.0,
                             seed=3)
    import re

    def mid_capitals(text: str) -> set[str]:
        found = set()
        for sentence in re.split(r"(?<=[.!?:\n\"])\s*", text):
            found |= {w for w in re.findall(r"(?<=\s)[A-Z][a-z]+", sentence)}
        return found

    assert any(mid_capitals(t) - {"I", "Rosa", "Porto"} for t in unguarded[0]), \
        "the model names strangers when it may"
    for text in texts[0]:
        starts = {w[:2] for w in mid_capitals(text)}
        assert starts <= {"Ro", "Po", "I"}, text


def test_what_the_held_out_replays_showed_a_reader_is_mended(nlp: Any) -> None:
    """Read on the held-out replays (their words are not used here): 'it was only october
    and I was wearing' came back as ', and and'; a long sentence was split where its second
    half had no subject of its own ('In a moment seized you both'), or where it was a 'when'
    clause; a time of the second verb was fronted to the whole sentence; 'Dad was a
    mechanic' kept 'Dad'; 'ok so where do i start' was told back."""
    from worker.story.told import sentences_of

    assert sentences_of(nlp("it was only october and I was wearing two jumpers")) == [
        "it was only october and I was wearing two jumpers"]
    assert reshape.join(nlp("It was only October.")[:], nlp("And you wore a coat.")[:]) == (
        "It was only October, and you wore a coat.")
    assert reshape.split_clauses(nlp(
        "Two men got over your walls, and in a moment seized you both, and without a word "
        "they ran off with you into the wood.")[:]) is None
    assert reshape.split_clauses(nlp(
        "She cared for you in the early morning before her work began, and at night after "
        "the day's work was done.")[:]) is None
    assert reshape.front_time(nlp(
        "The next morning you left the house, and continued travelling all the day.")[:]) is None
    assert told(nlp, "Dad was a mechanic for 40 years.") == "Your dad was a mechanic for 40 years."
    assert told(nlp, "Dad was a mechanic.", Voice("third", "past", "Ana", "she")) == (
        "Her dad was a mechanic.")
    assert told(nlp, "My Dad cried.") == "Your dad cried."
    assert not is_material("ok so where do i start.")


def _composed(nlp: Any, tone: str, valence: float, variant: int = 0,
              replacing: str = "", first: str = "") -> list[Any]:
    from datetime import UTC, datetime

    from worker.profile.model import FeelingPoint, LifeEvent, Person, Profile
    from worker.store.records import UserSettings
    from worker.story.compose import Composer
    from worker.story.grounded import sentence_encoder
    from worker.story.planner import plan_next

    at = datetime(2026, 1, 1, tzinfo=UTC)
    said = {"t1": first or "My brother Tom taught me to swim in the lake.",
            "t2": "Then came the illness that closed my eyes and ears."}
    events = tuple(LifeEvent(text=text, predicate="do", score=0.9, turn_id=t, said_at=at)
                   for t, text in said.items())
    profile = Profile(user="local:c", events=events,
                      people=(Person(name="Tom", relation="brother", first_seen=at,
                                     last_seen=at),),
                      arc=tuple(FeelingPoint(turn_id=t, at=at, label="x", strength=0.9,
                                             valence=valence) for t in said))
    plan = plan_next(profile, [], "second")
    assert plan is not None
    composer = Composer(nlp, sentence_encoder().embed, None, lambda s: len(s.split()))
    return composer.compose(plan, said, profile, UserSettings(), tone, 0, variant=variant,
                            replacing=replacing).lines


def test_a_closing_line_never_contradicts_what_was_told_and_a_retry_is_another_version(
        nlp: Any) -> None:
    """Held-out: 'There was so much joy in those days.' closed an illness; a /retry came back
    word for word the version it replaced."""
    sad_told_as_joy = _composed(nlp, "joy", valence=-0.7)
    assert all(ln.how != "bridge" or ln.sources for ln in sad_told_as_joy[-1:]), (
        "no closing line claims joy over sad moments")
    sad = _composed(nlp, "sadness", valence=-0.7)
    assert sad[-1].how == "bridge" and not sad[-1].sources
    first = " ".join(ln.text for ln in sad)
    again = " ".join(ln.text for ln in _composed(nlp, "sadness", -0.7, variant=3,
                                                 replacing=first))
    assert again != first


def test_when_the_page_is_full_a_sentence_naming_someone_is_kept_first(nlp: Any) -> None:
    """Held-out: a turn's second sentence, the only one naming Josie, fell to the word
    budget while nameless ones were kept."""
    from worker.story.told import gather

    turn = ("We lived at the end of a long road. The winters there were cold and grey and "
            "very long. Best of all I loved to visit Josie and sit on her porch.")
    told = gather(nlp, [("t1", turn)], max_words=24)
    assert [t.index for t in told] == [0, 2]
    assert "Josie" in told[-1].text


def test_he_or_she_is_named_only_after_someone_known_to_be_one() -> None:
    """Held-out (Du Bois): 'A perfect life was his' became "A perfect life was Josie's":
    Josie, of no known gender, was the last person named in the message before."""
    from datetime import UTC, datetime

    from worker.profile.model import Person
    from worker.story import referents

    at = datetime(2026, 1, 1, tzinfo=UTC)
    people = referents.people_of([
        Person(name="Josie", first_seen=at, last_seen=at),
        Person(name="Jan", relation="father", gender="male", first_seen=at, last_seen=at)],
        "second")
    line = "A perfect life was his."
    assert referents.resolve(line, "", ["Best of all I loved to visit Josie."], people) == line
    assert referents.resolve("In 1981 he took you to the ships.", "",
                             ["My father Jan worked at the shipyard."], people) == (
        "In 1981 your father Jan took you to the ships.")


def test_a_she_named_two_messages_back_is_found(ctx: Any) -> None:
    """Tune replay: "You cried on the train because you missed her." told alone; Maria was
    named two messages before, past a message that names no one."""
    from types import SimpleNamespace

    from worker.conversation.intake import receive_text
    from worker.story.grounded import _said_before

    user = "local:grandchild"
    for text in ("My grandmother Maria taught me to bake bread in Lisbon.",
                 "Every Sunday we walked to the market by the river.",
                 "In 1998 we moved to Porto, and I cried on the train because I missed her."):
        receive_text(ctx.store, ctx.settings, user=user, platform="local", chat_id=user,
                     text=text)
    last = ctx.store.turns(user)[-1].turn_id
    before = _said_before(ctx.store, user, SimpleNamespace(turn_ids=(last,)))  # type: ignore[arg-type]
    assert "Maria" in before[last] and before[last].endswith("by the river.")


def test_what_the_second_held_out_set_showed_is_mended(nlp: Any) -> None:
    """Read on the second held-out set: "Your cousin Balvinder let you drive your son's
    taxi" (his taxi was Balvinder's; the son was the last he named before); "mine taught
    him" told back as "mine"; "I type slowly so be patient" told back as a memory."""
    from datetime import UTC, datetime

    from worker.profile.model import Person
    from worker.story import referents
    from worker.story.told import sentences_of

    at = datetime(2026, 1, 1, tzinfo=UTC)
    people = referents.people_of([
        Person(name="Balvinder", relation="cousin", first_seen=at, last_seen=at),
        Person(name="your son", relation="son", gender="male", first_seen=at, last_seen=at)],
        "second")
    line = "Your cousin Balvinder let you drive his taxi on weekends."
    assert referents.resolve(line, "", ["My wife and our son came a year later."],
                             people) == line
    assert told(nlp, "his mum fed me on fridays, mine taught him to play cards") == (
        "His mum fed you on fridays, yours taught him to play cards.")
    assert told(nlp, "My father worked in the coal mine.") == (
        "Your father worked in the coal mine.")
    assert sentences_of(nlp("I am 83 and I type slowly so be patient. In 1943 I was born "
                            "in Kaesong.")) == ["In 1943 I was born in Kaesong."]


def test_a_closing_line_is_with_family_or_friends_and_a_title_tells_he_or_she(
        nlp: Any) -> None:
    """Second held-out set: "Those days with Mrs Lamara are long gone, but the love in them
    stays" (the neighbour whose window was broken); "He had a rule" with Mr Pillay named
    the message before; "my granddaughter set this up for me" told as a memory."""
    from datetime import UTC, datetime

    from worker.profile.model import Person
    from worker.story import referents
    from worker.story.told import sentences_of

    at = datetime(2026, 1, 1, tzinfo=UTC)
    people = referents.people_of([Person(name="Mr Pillay", first_seen=at, last_seen=at)],
                                 "second")
    assert referents.resolve("He had a rule about bad films.", "",
                             ["The owner was this old man Mr Pillay."], people) == (
        "Mr Pillay had a rule about bad films.")
    assert sentences_of(nlp("My granddaughter set this up for me. In 1950 we walked "
                            "south.")) == ["In 1950 we walked south."]


def test_those_days_are_never_with_someone_who_is_not_family_or_a_friend(nlp: Any) -> None:
    from datetime import UTC, datetime

    from worker.profile.model import LifeEvent, Person, Profile
    from worker.store.records import UserSettings
    from worker.story.compose import Composer
    from worker.story.grounded import sentence_encoder
    from worker.story.planner import plan_next

    at = datetime(2026, 1, 1, tzinfo=UTC)
    said = {"t1": "When I was 9 I broke Mrs Lamara's window with a ball.",
            "t2": "My sister Nino and I played in the courtyard every evening."}
    people = (Person(name="Mrs Lamara", first_seen=at, last_seen=at),
              Person(name="Nino", relation="sister", first_seen=at, last_seen=at))
    for who, keep in (("Mrs Lamara", "t1"), ("Nino", "t2")):
        events = (LifeEvent(text=said[keep], predicate="do", score=0.9, turn_id=keep,
                            said_at=at),)
        profile = Profile(user="local:c", events=events, people=people)
        plan = plan_next(profile, [], "second")
        assert plan is not None
        composer = Composer(nlp, sentence_encoder().embed, None, lambda s: len(s.split()))
        closers = {composer.compose(plan, said, profile, UserSettings(), "joy", seed,
                                    ).lines[-1].text for seed in range(3)}
        named = any(f"with {who}" in c for c in closers)
        assert named == (who == "Nino"), (who, closers)


def test_a_he_named_from_an_earlier_message_is_not_a_non_word(nlp: Any) -> None:
    """Second held-out set: "He had a rule" became "Mr Pillay had a rule", and the gate then
    dropped it: 'Pillay' is in no word list and not in the planned message."""
    g = checks.Grounding.of(nlp.pipe(["he had a rule about bad films"]), ["Mr Pillay"], {},
                            {"you", "your"})
    assert checks.check(nlp("Mr Pillay had a rule about bad films."), g).ok
    assert not checks.check(nlp("Mr Pillay had a rule about bad flimzorps."), g).ok


def test_a_retry_never_comes_back_as_the_version_it_replaces(nlp: Any) -> None:
    """Seen in CI: the model's rewordings ranked differently for the retry's own seed, and
    the variant it took was the one the first version had used; the same text came back.
    Here no closing line (joy over sad moments) and no model: only where the time is told."""
    told = "In 1998 my brother Tom taught me to swim in the lake."
    for variant in (1, 2, 3):
        once = " ".join(ln.text for ln in _composed(nlp, "joy", -0.7, variant, first=told))
        again = " ".join(ln.text for ln in _composed(nlp, "joy", -0.7, variant,
                                                     replacing=once, first=told))
        assert again != once, variant
        assert "1998" in again and "Tom" in again


def test_a_he_or_she_introduced_by_name_is_named(nlp: Any) -> None:
    """Second held-out set: "his name was Rocket, indie dog" was no person of the profile, so
    the installment told "You found him as a puppy..." and never said whose story it was."""
    from datetime import UTC, datetime

    from worker.profile.model import LifeEvent, Profile
    from worker.store.records import UserSettings
    from worker.story.compose import Composer
    from worker.story.grounded import sentence_encoder
    from worker.story.planner import plan_next

    at = datetime(2026, 1, 1, tzinfo=UTC)
    said = {"t2": "I found her under a parked car in 2015, shaking and thin."}
    profile = Profile(user="local:p", events=(LifeEvent(
        text=said["t2"], predicate="find", score=0.9, turn_id="t2", said_at=at),))
    plan = plan_next(profile, [], "second")
    assert plan is not None
    composer = Composer(nlp, sentence_encoder().embed, None, lambda s: len(s.split()))
    for before, name in (("her name was Bella, a little grey cat", "Bella"),
                         ("She was called Mitzi. Grey, tiny, loud.", "Mitzi")):
        text = composer.compose(plan, said, profile, UserSettings(), "calm", 0,
                                said_before={"t2": before}).text
        assert f"found {name} under a parked car in 2015" in text, text
    # named once, then a she again (not "Bella. Bella was shaking. Bella...")
    two = {"t2": said["t2"] + " She slept on my feet that night."}
    text = composer.compose(plan, two, profile, UserSettings(), "calm", 0,
                            said_before={"t2": "her name was Bella"}).text
    assert text.count("Bella") == 1 and "she slept on your feet" in text.lower(), text
    # no introduction, or one of a he: the she stays a she
    for before in ("we lived on the third floor", "his name was Bruno"):
        text = composer.compose(plan, said, profile, UserSettings(), "calm", 0,
                                said_before={"t2": before}).text
        assert "found her under a parked car" in text, text


def test_chat_filler_goes_but_never_part_of_a_word_or_a_phrase(nlp: Any) -> None:
    """Third held-out set (Twain): "I meant to see all I could" was told as "T to see all
    you could": 'I mean' was taken out of 'I meant'."""
    assert told(nlp, "I meant to visit my aunt in Leeds every summer.") == (
        "You meant to visit your aunt in Leeds every summer.")
    assert strip_fillers("It was the kind of shop that sold everything.") == (
        "It was the kind of shop that sold everything.")
    assert strip_fillers("Mum bought me a lollipop, I wanted to let you know.") == (
        "Mum bought me a lollipop, I wanted to let you know.")
    assert strip_fillers("i was kind of scared, you know, lol.") == "i was scared."


def test_a_she_whose_person_the_profile_does_not_know_stays_a_she() -> None:
    """Third held-out set (Seacole): "I nursed my old indulgent patroness in her last long
    illness. After she died..." was told as "your mother's last long illness" and "After your
    mother died": a fact changed, from the last 'she' the profile knew."""
    from datetime import UTC, datetime

    from worker.profile.model import Person
    from worker.story import referents

    at = datetime(2026, 1, 1, tzinfo=UTC)
    people = referents.people_of(
        [Person(name="Maria", relation="mother", gender="female", first_seen=at, last_seen=at)],
        "second")
    said = ["My mother Maria ran a bakery in Cork."]
    nursed = "You cared for your old landlady in her last winter."
    assert referents.resolve(nursed, "", said, people) == nursed
    died = "After she died, you moved back to Cork."
    assert referents.resolve(died, nursed, said, people) == died
    assert referents.resolve(died, "", [*said, "I cared for my old landlady all winter."],
                             people) == died
    # with nobody else in between, the she is still the mother the user named
    assert referents.resolve("She taught you to knead dough.", "", said, people) == (
        "Your mother Maria taught you to knead dough.")


def test_the_tellers_own_words_are_never_prompt_text(nlp: Any) -> None:
    """Third held-out set (Addams): "The house at the end of the village in which I was
    born..." was dropped as prompt text ('the end'), and the installment began on the next
    sentence, "The latter offered...", pointing at nothing."""
    told = ("We lived at the end of the lane, and my uncle got a ten year sentence in 1961. "
            "The original cottage had one room.")
    g = _grounding(nlp, told)
    for ok in ("You lived at the end of the lane.",
               "Your uncle got a ten year sentence in 1961.",
               "The original cottage had one room."):
        assert checks.check(nlp(ok), g).ok, ok
    for meta in ("Here is a sentence about the lane.", "You lived in the lane. The end.",
                 "The cottage had one room. 3."):
        assert "prompt or list text" in checks.check(nlp(meta), g).reasons, meta


def test_a_sad_installment_closes_sadly_where_a_loss_is_told(nlp: Any) -> None:
    """Third held-out set (Addams, sadness asked): "To my amazement I found my father in
    tears... the greatest man in the world had died" read as a glad message (amazement,
    greatest), so no sad closing line was written and the installment read cheerful."""
    cried = "My brother Tom cried at the station when I left for Leeds."
    lines = _composed(nlp, "sadness", 0.6, first=cried)
    assert lines[-1].how == "bridge" and not lines[-1].sources
    # with no loss told, a sad line never closes glad moments
    assert all(ln.how != "bridge" for ln in _composed(nlp, "sadness", 0.6))


def test_a_rewording_that_only_reorders_the_told_words_is_refused() -> None:
    """Third held-out set (Addams): the model's "As it were, into the thrilling and solemn
    interests of a world lying quite outside the two white gateposts, the two flags, your
    father's tears... constituted your initiation" kept every word, broke the order, and
    passed every check."""
    from worker.story.compose import reordered_only

    told = "The flags and your father's tears made that spring your first lesson, as it were."
    assert reordered_only("As it were, your first lesson the flags and your father's tears "
                          "made that spring.", told)
    assert not reordered_only(told, told)
    assert not reordered_only("That spring the flags and your father's tears were your first "
                              "lesson.", told)


def test_a_rewording_never_changes_what_a_number_counts(nlp: Any) -> None:
    """Second held-out set at HEAD: "it was 2000 and I was 16" was reworded "It was 2000
    years ago, you were only 16." and passed: the same numbers, one new word."""
    from worker.story.grounded import sentence_encoder

    told = "In 1987 we moved to Leeds and I was 9"
    judge = checks.Rephrasing(_grounding(nlp, told), sentence_encoder().embed)
    _expect_verdicts(nlp, judge, "In 1987 you moved to Leeds and you were 9.", {
        "You moved to Leeds 1987 years ago and you were 9.": "what a number counts",
        "In 1987, you moved to Leeds and you were 9.": None})


def test_a_sentence_may_end_on_a_preposition_its_what_left_there(nlp: Any) -> None:
    """Third held-out set (Addams): "I tumbled down on the harsh gravel walk in my eager rush
    into the house to inquire what they were "there for."" was dropped as unfinished."""
    told = ("I ran into the kitchen to ask what the candles were for. We sold the house I grew "
            "up in. I went to the shop and")
    g = _grounding(nlp, told)
    for ok in ("You ran into the kitchen to ask what the candles were for.",
               "You sold the house you grew up in."):
        assert checks.check(nlp(ok), g).ok, ok
    for cut in ("You went to the shop and.", "You went to the.", "You went into."):
        assert "stops mid-sentence" in checks.check(nlp(cut), g).reasons, cut
    # fourth held-out set (Grant): a humour installment lost its punchline, "It would not
    # require a Connecticut man to guess the price finally agreed upon."
    said = "Nobody would need a lawyer to guess the price finally agreed upon."
    assert checks.check(nlp(said), _grounding(nlp, said)).ok


def test_a_rewording_keeps_the_tense_it_was_told_in(nlp: Any) -> None:
    """Second held-out set, once the whole story was told: "Fire brigade came." was reworded
    "Fire brigades come."."""
    from worker.story.grounded import sentence_encoder

    g = _grounding(nlp, "the fire brigade came. my dad shook hands with all of them")
    judge = checks.Rephrasing(g, sentence_encoder().embed)
    _expect_verdicts(nlp, judge, "The fire brigade came.", {
        "The fire brigade comes.": "tense changed",
        "Then the fire brigade came.": None})


def test_a_story_someone_told_is_material_and_talk_about_the_installment_is_not() -> None:
    """Fourth held-out set (Grant): "As he told the story, there was a Mr. Ralston ... who
    owned a colt which I very much wanted." was taken for talk with storyloom and lost, and
    with it who Ralston was."""
    for said in ("As he told the story, there was a farmer nearby who owned a colt.",
                 "This is the story of how I met your grandmother.",
                 "The story goes that my grandfather swam the river."):
        assert is_material(said), said
    for chat in ("I liked the story a lot.", "Here is my story:", "Please change the chapter.",
                 "The last installment was too short.", "Can you write the story now?"):
        assert not is_material(chat), chat


def test_the_tellers_resolve_is_retold_as_a_resolve_not_a_command(nlp: Any) -> None:
    """Third held-out set: "I shall never forget" was retold "You shall never forget"."""
    assert told(nlp, "I shall never forget the smell of that kitchen.") == (
        "You will never forget the smell of that kitchen.")
    assert told(nlp, "We shan't go back there.") == "You won't go back there."
    assert told(nlp, "I shall never forget it.", Voice("third", "past", "Ana", "she")) == (
        "Ana will never forget it.")
    # someone else's "shall" is theirs
    assert told(nlp, "The judge said he shall decide.") == "The judge said he shall decide."


def test_the_first_we_names_who_the_teller_was_with(nlp: Any) -> None:
    """Second held-out set: "we took his uncle's old car" was told "you took his uncle's old
    car": the friend the teller had paired with themselves two messages before was gone,
    and "his" pointed at nobody."""
    from datetime import UTC, datetime

    from worker.profile.model import LifeEvent, Person, Profile
    from worker.store.records import UserSettings
    from worker.story import referents
    from worker.story.compose import Composer
    from worker.story.grounded import sentence_encoder
    from worker.story.planner import plan_next

    at = datetime(2026, 1, 1, tzinfo=UTC)
    lena = Person(name="Lena", relation="cousin", first_seen=at, last_seen=at)
    said = {"t3": "In 1988 we built a raft from her dad's old doors. We sailed it across "
                  "the pond and it sank halfway."}
    profile = Profile(user="local:p", people=(lena,), events=(LifeEvent(
        text=said["t3"], predicate="build", score=0.9, turn_id="t3", said_at=at),))
    plan = plan_next(profile, [], "second")
    assert plan is not None
    composer = Composer(nlp, sentence_encoder().embed, None, lambda s: len(s.split()))
    before = "My cousin Lena and I spent every summer at the farm."
    text = composer.compose(plan, said, profile, UserSettings(), "joy", 0,
                            said_before={"t3": before}).text
    assert "you and your cousin Lena built a raft" in text, text
    assert "You sailed it across the pond" in text, text  # named once, then "you" again
    # nobody paired with the teller, or two people: "we" stays "you"
    for before in ("We spent every summer at the farm.",
                   "Lena and I were close. My brother and I fought a lot."):
        text = composer.compose(plan, said, profile, UserSettings(), "joy", 0,
                                said_before={"t3": before}).text
        assert "you built a raft" in text, text
    people = referents.people_of([lena], "second")
    assert referents.companion(["me and Lena went swimming"], people) == people[0]
    assert referents.companion(["Lena was there and I was not"], people) is None
