"""Is an embedding match about the user's present danger, or grief, the past, someone else?

The embedding backstop sees meaning, not grammar: "my mother was gone and I was all alone"
sits close to "nobody would miss me", and "I'm sorry you felt so alone" close to loneliness
that needs a check-in. A life story is full of both. These cues decide whether a backstop
match may pause the story (elevated) or only flag it for a counselor (low). Rules are not
gated here: they carry their own tense and time handling (``rules_engine._adjust``).
"""

# ruff: noqa: E501 (regex alternations read better unbroken than split mid-group)

from __future__ import annotations

import re

from nlu.safety.rules.cues import DISTANT, ONCE, RECENT

_KIN = (
    r"(?:mother|father|mum|mom|dad|mama|papa|parents|wife|husband|partner|son|daughter|baby|"
    r"child|children|kids|brother|sister|grandmother|grandfather|grandma|grandpa|nan|granny|"
    r"aunt|uncle|cousin|friend|best friend|dog|cat|family)"
)
# Someone else's death or absence, told by the one left behind (looked for in the whole turn).
GRIEF = re.compile(
    r"\b(?:died|passed away|passed on|his passing|her passing|funeral|grave|cemetery|heaven|"
    r"afterlife|rest in peace|rip|late (?:husband|wife|mother|father|mum|mom|dad|brother|sister|"
    r"son|daughter|grandmother|grandfather|grandma|grandpa|partner|friend)|widow\w*|"
    r"grie(?:f|ve|ved|ving)|mourn\w*|condolences|"
    rf"miss(?:ed|ing)? (?:him|her|them|you|those days|the way|(?:my|our|his|her) {_KIN})|"
    r"(?:he|she|they|mother|father|mum|mom|dad|wife|husband) (?:was|were|is|are) gone|"
    rf"lost (?:him|her|them|(?:my|our|his|her|a) {_KIN})|"
    r"watching (?:over )?(?:us|me)|looking down on (?:us|me))\b|"
    # someone else's death, named as theirs: "his death", "[NAME] death", "my dad's death"
    rf"(?:\b(?:his|her|their|{_KIN}'s)|\[name\](?:'s)?) death\b|\bdeath of (?:my|our|his|her|a) {_KIN}\b"
)
# Consoling someone else (looked for in the whole turn): the trouble is theirs.
SYMPATHY = re.compile(
    r"\b(?:i'm|i am|so|very|really|terribly|i'm so) sorry (?:you|your|to hear|for (?:you|your|her|his|their)|"
    r"about (?:your|her|his|their)|that (?:happened|you))|\bsorry (?:for|about) (?:your|the) loss\b|"
    r"\bsorry (?:to hear|that happened)\b|\bfeel (?:for|bad for|sorry for|so bad for) "
    r"(?:you|her|him|them|the)\b|\bi feel your pain\b|\bwho hurt you\b|"
    r"\bhope (?:you|she|he|they)(?:'re| are| is|'ll| will)? (?:ok|okay|well|better|get better|feel better|"
    r"survive|heal|find)\b|\bpoor (?:him|her|thing|girl|guy|kid|man|woman|soul|dog|cat)\b"
)
_THIRD = re.compile(r"\b(?:he|she|they|he's|she's|they're|his|her|their|him|them)\b")
_SECOND = re.compile(r"\b(?:you|your|yours|yourself|ya)\b")
_FIRST = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|myself|mine)\b")
# A habit or a time that is over: the risk, if any, is history.
TOLD_AS_PAST = re.compile(
    r"\bused to\b|\bback then\b|\bat the time\b|\bin those days\b|\bthat (?:year|summer|winter|day)\b"
)


# A sentence told in the past, and one that reaches into now: a distant time set earlier in
# the message ("when I was 9 ...") holds for the first, never for the second.
_PAST = re.compile(r"\b(?:was|were|had|did|made|took|got|went|came|said|told|let|\w+ed)\b")
_NOW = re.compile(
    r"\b(?:am|is|are|i'm|he's|she's|they're|it's|do|does|don't|doesn't|keep|keeps|still|now|"
    r"again|anymore|any more|every (?:day|night|week)|always|these days|lately|recently|today|"
    r"tonight|yesterday|last (?:night|week|month)|will|going to|want|wants|can't)\b")


def about_someone_else(sentence: str) -> bool:
    """Addressed to or about another person only: 'you' and no 'I', or a word of sympathy."""
    if SYMPATHY.search(sentence):
        return True
    return _SECOND.search(sentence) is not None and _FIRST.search(sentence) is None


def present_danger(sentence: str, turn: str) -> bool:
    """True when a backstop match in this sentence may be the user's present danger.

    Both texts are normalised (``nlu.safety.text.normalise``); ``turn`` is the whole message,
    so "I was all alone. My mother was gone." reads as grief in either sentence.
    """
    if GRIEF.search(turn) or SYMPATHY.search(turn):
        return False
    if TOLD_AS_PAST.search(sentence) or DISTANT.search(sentence):
        return False
    if ONCE.search(sentence) and _PAST.search(sentence) and not (
            RECENT.search(sentence) or _NOW.search(sentence)):
        return False  # "he never punished me but once": one event, told as past (as the rules)
    if DISTANT.search(turn) and _PAST.search(sentence) and not _NOW.search(sentence):
        return False  # "when I was 9 I broke her window. she made me carry her shopping"
    if _FIRST.search(sentence) is None and _THIRD.search(sentence) is not None:
        return False  # "he just has to beat them": the one in it is someone else
    return not about_someone_else(sentence)
