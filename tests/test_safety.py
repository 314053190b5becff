"""Behaviour of nlu.safety: risk detection, crisis replies, moderation, tone floor."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from nlu.safety import (
    ModerationResult,
    RiskAssessment,
    RiskDetector,
    allowed_tones,
    assess_risk,
    crisis_reply,
    crisis_resources,
    moderate,
)
from nlu.safety.detector import assess_rules
from nlu.safety.prototypes import load_exemplars

DATA = Path(__file__).resolve().parent.parent / "datasets" / "safety"

INDIRECT = [
    ("I don't see the point of going on", "suicidal_ideation"),
    ("everyone would be better off without me", "suicidal_ideation"),
    ("I've been giving my things away", "suicidal_ideation"),
    ("I just want to sleep and not wake up", "suicidal_ideation"),
    ("he hits me when he's drunk", "abuse"),
    ("im so tired of living tbh", "suicidal_ideation"),
    ("I keep my sleeves down so no one sees the cuts", "self_harm"),
    ("my stepdad touches me at night and says it's our secret", "abuse"),
    ("I'm going to make him pay, I know where he lives", "harm_to_others"),
]
IDIOMS = [
    "this exam is killing me", "I could murder a pizza", "my feet are killing me",
    "I died laughing", "she killed it on stage", "my grandfather died in 1998",
    "we shot the film in Lisbon", "the novel is about a suicide bomber",
    "my mother died of cancer when I was twelve", "I cut myself shaving",
    "Dad beat me at chess every Sunday", "I'll end it with him, it's not working",
    "my brother ate my chips, I could kill him", "I'm dying to see that film",
]
NEGATIONS = [
    "I would never hurt myself", "I'm not suicidal, just tired", "I don't want to die",
    "he has never raised a hand to me", "I'm not going to kill anyone",
]


@pytest.mark.parametrize(("text", "category"), INDIRECT)
def test_indirect_phrasings_are_flagged_in_the_right_category(text: str, category: str) -> None:
    a = assess_risk(text)
    assert a.needs_crisis_reply, a
    assert a.top_category == category


@pytest.mark.parametrize("text", IDIOMS)
def test_idioms_grief_and_fiction_are_not_flagged(text: str) -> None:
    assert assess_risk(text).level == "none"


@pytest.mark.parametrize("text", NEGATIONS)
def test_negated_risk_is_not_flagged(text: str) -> None:
    assert assess_risk(text).level == "none"


def test_negation_does_not_reach_across_a_clause() -> None:
    assert assess_risk("I don't know why, but I want to die").needs_crisis_reply


def test_third_party_risk_is_flagged_as_about_someone_else() -> None:
    a = assess_risk("my friend says she wants to kill herself")
    assert a.top_category == "suicidal_ideation" and a.needs_crisis_reply
    assert a.about_someone_else
    assert not assess_risk("I want to kill myself").about_someone_else


def test_resolved_past_attempt_is_a_low_flag_but_a_recent_one_is_high() -> None:
    past = assess_risk("ten years ago I tried to end my life; today I'm doing well")
    assert past.level == "low" and not past.needs_crisis_reply
    assert assess_risk("I tried to end my life last week").level == "high"


def test_plan_with_a_time_is_high() -> None:
    assert assess_risk("I've saved up my pills and I'm taking them tonight").level == "high"


def test_signals_add_up() -> None:
    one = assess_risk("I've been giving my things away")
    two = assess_risk("I've been giving my things away. Everyone would be better off without me")
    assert two.categories["suicidal_ideation"] > one.categories["suicidal_ideation"]


def test_assessment_carries_rule_ids_never_user_text() -> None:
    text = "Everyone would be better off without me, Marguerite"
    a = assess_risk(text)
    dumped = a.model_dump_json()
    assert a.matched and "Marguerite" not in dumped and "without me" not in dumped
    assert RiskAssessment.model_validate_json(dumped) == a


@pytest.mark.parametrize(
    "value", ["", "   \n\t", "\x00\x01\x02\xff", b"\xff\xfe\x00binary", None, 42, "😀" * 1000]
)
def test_hostile_input_gets_a_clear_result(value: object) -> None:
    a = assess_risk(value)  # type: ignore[arg-type]
    assert a.level == "none"


def test_one_megabyte_turn_is_assessed_head_and_tail() -> None:
    big = "We lived by the sea. " * 50_000 + "I want to die"
    a = assess_risk(big)
    assert a.needs_crisis_reply
    assert any("long input" in r for r in a.reasons)


def test_bytes_are_decoded() -> None:
    assert assess_risk(b"I want to die").needs_crisis_reply  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def embedded() -> RiskDetector:
    import torch

    torch.set_num_threads(1)
    return RiskDetector(use_embeddings=True).load()


def test_embedding_backstop_catches_what_rules_miss(embedded: RiskDetector) -> None:
    texts = ["I feel like vanishing from this world forever, nobody needs me",
             "this exam is killing me", "I have no thoughts of ending my life"]
    rules_only = RiskDetector().assess(texts)
    both = embedded.assess(texts)
    assert not rules_only[0].flagged
    assert both[0].flagged and any(m.startswith("emb.") for m in both[0].matched)
    assert [b.level for b in both[1:]] == ["none", "none"]


def test_abuse_matched_only_by_meaning_pauses_when_it_happens_to_the_user(
        embedded: RiskDetector) -> None:
    """Tune half of the sad memories: a comment about someone else's mate paused the
    story; the user's own "he won't let me leave" must still be a crisis."""
    other, mine = embedded.assess([
        "I'm sorry to tell you this but your mate probably touches children too.",
        "he won't let me leave the flat or see anyone"])
    assert other.level == "low" and "emb.abuse" in other.matched, "a counselor still sees it"
    assert mine.level == "elevated" and "emb.abuse" in mine.matched


def test_detector_batch_keeps_order(embedded: RiskDetector) -> None:
    out = embedded.assess(["I want to die", "", "we moved to Canada in 1989"])
    assert [a.level for a in out] == ["elevated", "none", "none"]


def test_dev_exemplars_do_not_leak_into_the_eval_sets() -> None:
    shipped = {t.lower().strip(" .!") for v in load_exemplars().values() for t in v}
    for name in ("risk_eval.jsonl", "risk_holdout.jsonl"):
        rows = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]
        assert not shipped & {r["text"].lower().strip(" .!") for r in rows}


def test_no_hard_negative_comes_from_a_set_measured_blind() -> None:
    """The sad-memories held-out half and the fresh-test half are measured, never mined (the
    tune and fresh-tune halves are, so the same check on them finds their sentences)."""
    from importlib import resources

    from nlu.safety.text import sentences
    from scripts.bench_sad_memories import chats_of

    mined = json.loads(resources.files("nlu.safety").joinpath("exemplars_tune.json")
                       .read_text(encoding="utf-8"))["none"]
    shipped = {t.lower().strip(" .!") for t in mined}
    assert shipped <= {t.lower().strip(" .!") for t in load_exemplars()["none"]}
    for half in ("heldout", "fresh-test"):
        said = {s.lower().strip(" .!") for c in chats_of(half) for m in c["messages"]
                for s in sentences(str(m))}
        assert len(said) > 500 and not shipped & said, half
    tuned = {s.lower().strip(" .!") for c in chats_of("fresh-tune") for m in c["messages"]
             for s in sentences(str(m))}
    assert shipped & tuned


def test_eval_set_is_large_and_well_formed() -> None:
    rows = [json.loads(line) for line in (DATA / "risk_eval.jsonl").read_text().splitlines()]
    labels = {"none", "suicidal_ideation", "self_harm", "abuse", "harm_to_others"}
    assert len(rows) >= 300
    assert all(r["label"] in labels and r["text"] and "note" in r for r in rows)


@pytest.mark.parametrize(
    ("locale", "number"),
    [("en-US", "988"), ("en-GB", "116 123"), ("en-IE", "116 123"), ("en-CA", "988"),
     ("en-AU", "13 11 14"), ("pt-PT", "808 24 24 24"), ("pt-BR", "188"),
     ("de-DE", "0800 111 0 111"), ("fr-FR", "3114"), ("es-ES", "024"), ("en_gb", "116 123"),
     ("DE-de.UTF-8", "0800 111 0 111")],
)
def test_crisis_resources_by_locale(locale: str, number: str) -> None:
    res = crisis_resources(locale)
    assert not res.is_default
    assert any(number in (s.phone or "") for s in res.for_kind("crisis"))


@pytest.mark.parametrize("locale", ["en-NZ", "xx", "", "not a locale!"])
def test_unknown_locales_point_to_the_international_directory(locale: str) -> None:
    res = crisis_resources(locale)
    assert res.is_default and "findahelpline.com" in (res.services[0].url or "")


def test_crisis_reply_is_warm_brief_and_local() -> None:
    reply = crisis_reply(assess_risk("I want to die"), "en-GB")
    assert "116 123" in reply and "paused" in reply and "person" in reply and "999" in reply
    assert len(reply) < 900


def test_crisis_reply_for_abuse_leads_with_abuse_lines() -> None:
    reply = crisis_reply(assess_risk("my husband beats me"), "en-US")
    assert "not your fault" in reply
    assert reply.index("1-800-799-7233") < reply.index("988")


def test_crisis_reply_for_someone_else_and_in_portuguese() -> None:
    reply = crisis_reply(assess_risk("my friend says she wants to kill herself"), "pt-BR")
    assert "188" in reply and "alguém de quem você gosta" in reply


def test_crisis_reply_levels() -> None:
    assert crisis_reply(assess_risk("we moved to Canada in 1989"), "en-US") == ""
    low = crisis_reply(assess_risk("ten years ago I tried to end my life; today I'm well"), "en-US")
    assert "988" in low and "paused" not in low


def _ok(text: str, **kw: object) -> ModerationResult:
    return moderate(text, known_people=kw.get("known_people", ["Ana"]),  # type: ignore[arg-type]
                    private_details=kw.get("private_details", ()))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "flag"),
    [("He knew suicide was the only way out.", "self_harm_encouragement"),
     ("You should just kill yourself.", "self_harm_encouragement"),
     ("The easiest way to end it is to swallow all the pills.", "self_harm_encouragement"),
     ("When she was twelve they had sex in the barn.", "sexual_minors"),
     ("The 14-year-old undressed slowly.", "sexual_minors"),
     (codecs.decode("Gur arvtuobhef pnyyrq uvz n snttbg.", "rot13"), "slur"),
     (codecs.decode("Gurl lryyrq 'e3gneq' ng uvz.", "rot13"), "slur"),
     ("Call Maria on +351 912 345 678.", "private_contact"),
     ("Write to maria.silva@example.com.", "private_contact"),
     ("They moved to 12 Rose Lane that spring.", "private_contact"),
     ("Ana's phone number never changed.", "private_detail")],
)
def test_moderation_flags(text: str, flag: str) -> None:
    result = _ok(text)
    assert not result.ok and flag in result.flags
    assert all(text not in r for r in result.reasons)


@pytest.mark.parametrize(
    "text",
    ["Her grandfather died peacefully in his sleep in 1998.",
     "They made love on their wedding night. Years later they moved to Porto.",
     "At sixteen she had her first kiss behind the school.",
     "We had sex education in high school and everyone giggled.",
     "She chose to live, and called the helpline that night.",
     "Between 1939 and 1945 the family lived in Porto.",
     "The spice market in Scunthorpe sold flame retardant blankets.",
     "Ana baked bread every Sunday.", ""],
)
def test_moderation_passes_ordinary_installments(text: str) -> None:
    assert _ok(text).ok


def test_sexual_wording_beside_a_child_cue_is_blocked_even_when_innocent() -> None:
    # Strict by design: a false block costs one regenerated installment, a miss costs far more.
    assert "sexual_minors" in _ok("They made love after the children were asleep.").flags


def test_private_details_named_by_the_user_are_caught() -> None:
    result = _ok("Aunt Rita had an Abortion in 1970.", private_details=["abortion", "  "])
    assert result.flags == ["private_detail"]


def test_moderation_hostile_input() -> None:
    assert moderate(None, known_people=[]).flags == ["invalid_input"]  # type: ignore[arg-type]
    assert moderate("\x00\xff" * 500_000, known_people=["\x00"]).ok


@pytest.mark.parametrize(
    ("level", "asked", "expected"),
    [("high", "despair", ("hope", True)), ("elevated", "Grief", ("bittersweet nostalgia", True)),
     ("elevated", "horror", ("calm", True)), ("high", "joyful", ("joyful", False)),
     ("elevated", "bittersweet_nostalgia", ("bittersweet_nostalgia", False)),
     ("elevated", "cyberpunk", ("calm", True)), ("low", "horror", ("horror", False)),
     ("none", "despair", ("despair", False))],
)
def test_tone_floor(level: str, asked: str, expected: tuple[str, bool]) -> None:
    assert allowed_tones(level, asked) == expected


def test_tone_floor_rejects_unknown_levels() -> None:
    with pytest.raises(ValueError):
        allowed_tones("severe", "calm")


def test_present_danger_cues_separate_grief_past_and_someone_else() -> None:
    from nlu.safety.present import present_danger
    from nlu.safety.text import normalise

    def present(sentence: str, turn: str | None = None) -> bool:
        return present_danger(normalise(sentence), normalise(turn or sentence))

    assert not present("i would be all alone.", "I would be all alone. My mother was gone.")
    assert not present("I know that she is watching us from heaven.")
    assert not present("I'm so sorry you felt alone.")
    assert not present("You matter, and we would all be diminished without you.")
    assert not present("I used to think nobody would miss me.")
    assert present("I keep thinking the world would be lighter without me in it")
    assert present("my husband calls me worthless and shoves me when I talk back")


def test_a_single_past_event_is_a_flag_not_a_pause_but_a_weekly_one_pauses() -> None:
    once = assess_risk("I was assaulted by my father once.")
    assert once.flagged and not once.needs_crisis_reply
    weekly = assess_risk("I was beaten by my husband once a week.")
    assert weekly.needs_crisis_reply


def test_self_harm_matched_only_by_meaning_pauses_only_for_an_act_on_the_body(
        embedded: RiskDetector) -> None:
    """Meaning alone lands near self-harm for "my pain" or a metaphor; with no act on the
    body, its means or its motive, a counselor sees a flag and the story goes on."""
    pain, act, motive = embedded.assess([
        "Someone finally understands my pain.",
        "I did something to myself again last night.",
        "I do it to feel something, anything."])
    assert pain.level == "low" and "emb.self_harm" in pain.matched, "flagged, not paused"
    assert act.needs_crisis_reply and motive.needs_crisis_reply


def test_everyday_words_near_risk_rules_do_not_pause(embedded: RiskDetector) -> None:
    """Seen in the fresh-tune half of the ordinary memories: costs cut, a dog's fear, a
    game nearly lost, laughter, someone cut out of a life."""
    calm = ["They just want to cut costs and tell us it's impossible.",
            "The dog is just scared of him.",
            "Hell, they almost beat us.",
            "She beat me to it.",
            "I'm dying over here, that is the best thing I read all week.",
            "I'm glad you cut him out of your life."]
    for text, a in zip(calm, embedded.assess(calm), strict=True):
        assert not a.needs_crisis_reply, text
    danger = ["I want to cut again.", "We were all terrified of him, he drank every night.",
              "He nearly beat me to death last week.", "I'm scared of my husband."]
    for text, a in zip(danger, embedded.assess(danger), strict=True):
        assert a.needs_crisis_reply, text


def test_a_single_past_event_matched_by_meaning_flags_and_does_not_pause(
        embedded: RiskDetector) -> None:
    """Fourth held-out story set (Roosevelt's memoir): "He never physically punished me but
    once" paused the story as present abuse; the rules already read "once" as past."""
    past, weekly, recent = embedded.assess([
        "He never physically punished me but once, but he was the only man of whom I was "
        "ever really afraid.",
        "He punished me every night and I was always afraid of him.",
        "He only punished me once, last night, and I am afraid of him."])
    assert past.flagged and not past.needs_crisis_reply, "a counselor sees it; no pause"
    assert weekly.needs_crisis_reply and recent.needs_crisis_reply


def test_someone_elses_death_named_as_theirs_is_grief() -> None:
    from nlu.safety.present import present_danger
    from nlu.safety.text import normalise

    for turn in ("[NAME] death is just so hard to take.", "After my dad's death I was lost.",
                 "The death of my mother changed everything."):
        assert not present_danger(normalise(turn), normalise(turn)), turn
    assert present_danger(normalise("death is all I think about"),
                          normalise("death is all I think about"))


def test_the_fresh_ordinary_messages_share_no_comment_with_the_tuned_halves() -> None:
    """A set nobody tuned on must not hold a comment of a half someone did tune on, nor a
    comment left out by hand as present risk."""
    base = DATA.parent / "sad_memories"

    def ids(name: str) -> set[str]:
        rows = [json.loads(line) for line in (base / name).read_text().splitlines() if line]
        return {i for r in rows for i in r["sources"]}

    fresh = ids("fresh.jsonl")
    excluded = {line.split("\t")[0] for line in
                (base / "fresh_excluded.tsv").read_text().splitlines()
                if line and not line.startswith("#")}
    assert len(fresh) > 1000
    assert not fresh & (ids("tune.jsonl") | ids("heldout.jsonl"))
    assert not fresh & excluded and excluded


def test_a_match_by_meaning_about_someone_else_alone_flags(embedded: RiskDetector) -> None:
    """No I in it and a he, she or they: someone else's story (a team to beat, a rival to
    crush) flags for a counselor; a sentence with no subject at all still pauses."""
    rival, dropped = embedded.assess(["They are going to crush him tonight.",
                                      "There is no way out of this except dying."])
    assert rival.level == "low" and "emb.harm_to_others" in rival.matched
    assert dropped.needs_crisis_reply


def test_a_distant_time_set_earlier_in_the_message_holds_for_what_follows() -> None:
    """Second held-out set: "when I was 9 I broke Mrs Lamara's window with that ball. she
    made me carry her shopping for a whole month as payment" paused a story as abuse."""
    from nlu.safety.present import present_danger
    from nlu.safety.text import normalise

    turn = normalise("When I was 10 I broke our neighbour's window. He made me carry his "
                     "groceries for a month to pay him back.")
    assert not present_danger(normalise("He made me carry his groceries for a month."), turn)
    still = normalise("When I was 10 he started hitting me. He still makes me do it.")
    assert present_danger(normalise("He still makes me do it."), still)


def test_making_a_thing_pay_is_a_living_not_revenge() -> None:
    """Third held-out set (Slocum): "I would make it pay" paused a boat-building story."""
    assert assess_rules("I answered by declaring that I would make it pay.").level == "none"
    assert assess_rules("I swear I will make him pay for this.").needs_crisis_reply
    assert assess_rules("I'm going to make them suffer.").needs_crisis_reply
