"""Sentence and turn cues that adjust rule matches: negation, time, fiction, jokes."""

# ruff: noqa: E501 (regex alternations read better unbroken than split mid-group)

from __future__ import annotations

import re

# Looked for in the few words before a match, inside the same clause.
NEGATION = re.compile(
    r"\b(?:not|never|no|nobody|no one|nothing|don't|doesn't|didn't|won't|wouldn't|can't|cannot|"
    r"couldn't|isn't|aren't|wasn't|haven't|hasn't|hardly|without)\b"
)
# Clause breaks that end a negation's reach ("I don't know why, but I want to die").
CLAUSE_BREAK = re.compile(r",|\bbut\b|\band\b|\bbecause\b|\bso\b|\bthough\b|\bwhen\b|\bif\b|:|-")
NEGATION_WINDOW_WORDS = 5

_NUM = r"(?:\d+|a few|many|several|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)"
_AGE_WORD = (
    r"(?:\d+|young|younger|little|small|a kid|a child|a teen|a teenager|a boy|a girl|a baby|"
    r"a student|\w+teen|twelve|eleven|ten|nine|eight|seven|six|five|four|three|twenty\w*|"
    r"thirty\w*|in (?:school|college|university))"
)
# Distant past: a risk statement about then is a history, not a present danger.
DISTANT = re.compile(
    rf"\b{_NUM} (?:years|decades) ago\b|\bwhen i was (?:just |only |still )?{_AGE_WORD}\b|"
    r"\bas a (?:child|kid|teen|teenager|boy|girl|young (?:man|woman)|student|youngster)\b|"
    r"\bin my (?:teens|twenties|thirties|forties|fifties|youth|childhood|first marriage|"
    r"early \w+|late \w+)\b|\b(?:back )?in (?:19|20)\d\d\b|\bin the (?:19|20)?\d0s\b|"
    r"\bback in (?:the day|high school|school|college|university)\b|\bin (?:high |middle )?school\b|"
    r"\bgrowing up\b|\bgrew up\b|\blong ago\b|\byears ago\b|\bwhen i was young\b|\bas an altar boy\b"
)
# "It happened once": a single event told as past (not "once a week", a habit).
ONCE = re.compile(r"\bonce\b(?! (?:a|an|every|more|again|or twice a)\b)")
# The user says the past risk is resolved.
RECOVERY = re.compile(
    r"\b(?:doing (?:well|better|ok|okay|good|fine)|in a (?:good|better) place|behind me|got help|"
    r"therapy helped|grateful to be (?:here|alive)|proud of how far|i don't anymore|no longer|"
    r"never looked back|clean for|recovered|i'm safe now|faded|making amends|changed how i see)\b"
)
# Recent: a past event this close is a present danger.
RECENT = re.compile(
    r"\b(?:last (?:night|week|weekend|month)|yesterday|this (?:morning|week|weekend|month)|today|"
    r"tonight|a (?:few|couple of) (?:days|hours|weeks) ago|(?:\d+|two|three|few) days ago|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|recently|just now|"
    r"again|still)\b"
)
# Imminent: a plan with a time is the most urgent signal there is.
IMMINENT = re.compile(
    r"\b(?:tonight|tomorrow|right now|this (?:weekend|evening|afternoon)|today|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"in (?:an|a few|two) (?:hours?|minutes)|after the funeral|soon)\b"
)
# Fiction, media and study: third-person content there is a topic, not a person at risk.
MEDIA = re.compile(
    r"\b(?:novel|book|film|movie|song|lyrics|poem|show|series|episode|play|character|game|"
    r"documentary|fiction|comic|anime|villain|hero|detective|dissertation|thesis|article|news|"
    r"(?:placement|ranked|online) match(?:es)?|respawn\w*|lobby|npc|gameplay|playthrough)\b"
)
# Laughter or "just kidding" marks violent talk as hyperbole.
JOKE = re.compile(r"\b(?:haha\w*|lol|lmao|rofl|jk|just kidding|kidding|joking)\b|😂|🤣|😆")
# "... if he borrows my car again": a conditional about a repeat annoyance (not a repeat assault).
PETTY_CONDITION = re.compile(
    r"\bif (?:he|she|they|you) (?!(?:hits?|hurts?|touch\w*|beats?|lays?|rapes?|abuses?)\b)"
    r"\w+[^.!?]{0,40}\bagain\b"
)
PAST_VERB = re.compile(
    r"\b(?:used to|tried|attempted|wanted|was|were|went through|had|did|survived|once)\b"
)
# Death and violence idioms: a sentence built on one is never sent to the embedding backstop.
IDIOM = re.compile(
    r"\b(?:killing me|kill(?:ed|s|ing)? it|kill(?:ed|ing)? (?:some )?time|to die for|dying to|"
    r"dying of (?:thirst|hunger|laughter|embarrassment|boredom)|died laughing|nearly died|"
    r"almost died|death of me|dead tired|dead on my feet|(?:phone|battery|laptop)(?:'s| is)? "
    r"(?:dead|dying)|murder (?:a|an|this|that)\b|could (?:murder|kill) for|kill for (?:a|an)|"
    r"drop-dead|in (?:his|her|their) grave|hit it off|hit the (?:wall|nail|road|hay|roof|jackpot|"
    r"gym|sack)|hit (?:me|him|her) up|hit me with|shot (?:me |him |her )?a look|shot down|"
    r"cut ties|cut (?:myself|himself|herself|themselves) off|beat (?:me|him|her|them|us) (?:at|to)\b|"
    r"slay(?:ed)?|bombed|over my dead body|sick to death|bored to death|scared to death|"
    r"gave up the ghost|two birds|lady-?killer|killer (?:app|deal|view|outfit)|die happy|"
    r"could sleep for|the death of|emotional damage|"
    # laughter ("I'm dying over here", "absolutely dying"), cutting people or costs out
    r"(?:absolutely|literally|actually|just) dying|dying over here|"
    r"cut (?:him|her|them|people|\w+) out of (?:my|your|his|her|their|our) li(?:fe|ves)|"
    r"cut (?:costs?|corners|back|down|class|school|the cord|my losses))"
)
# The user states they are safe: the embedding backstop defers to them.
SAFE_STATEMENT = re.compile(
    r"\b(?:would|will|could) never\b|\bi'm not (?:suicidal|in danger|going to (?:hurt|kill|do))|"
    r"\bnever (?:been|once|hurt|hit|thought|wanted|laid)\b|\bno thoughts of\b|\bi'm safe\b|"
    r"\bnot (?:thinking|thought) about\b|\b(?:don't|do not) (?:want to (?:die|kill|hurt)|self[- ]?harm|"
    r"have any thoughts)\b|\bnot in danger\b"
)
