"""Moderation of generated story installments before delivery."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from nlu.safety.privacy import contact_findings, detail_findings
from nlu.safety.slurs import count_slurs
from nlu.safety.text import sentences

Flag = Literal[
    "self_harm_encouragement", "sexual_minors", "slur", "private_contact", "private_detail",
    "invalid_input",
]
# Installments are a few thousand characters; anything far larger is not one.
MAX_CHARS = 200_000

_SUICIDE_ACT = (
    r"(?:suicide|killing (?:yourself|himself|herself|themselves)|taking (?:your|his|her|their) "
    r"(?:own )?life|ending (?:it all|your life|his life|her life|their life)|self[- ]?harm\w*|"
    r"cutting (?:yourself|himself|herself))"
)
ENCOURAGE = re.compile(
    r"\b(?:you|he|she|they|we|i) (?:should|must|ought to|need to|could just|might as well) "
    r"(?:just )?(?:kill|hurt|cut|hang|end) (?:yourself|himself|herself|themselves|myself|"
    r"your life|his life|her life)\b|\bkill yourself\b|\bkys\b|\bgo (?:and )?die\b|"
    r"\b(?:you|he|she|they) (?:deserve|deserves|deserved) to die\b|"
    rf"\b{_SUICIDE_ACT} (?:is|was|would be|seemed|felt like) (?:the )?(?:only|best|right|"
    r"brave|bravest|beautiful|peaceful|perfect|easy) (?:answer|choice|way out|option|solution|"
    r"thing|escape)|"
    rf"\b{_SUICIDE_ACT} (?:is|was|would be) (?:brave|beautiful|a relief|freedom|a release|"
    r"a gift|the answer)\b|\b(?:dying|death) (?:is|was|would be) the only (?:answer|way out|"
    r"solution|escape)\b"
)
INSTRUCT = re.compile(
    r"\bhow to (?:kill (?:yourself|himself|herself)|hang (?:yourself|himself|herself)|"
    r"overdose|cut (?:yourself|deeper)|slit)\b|\b(?:best|easiest|quickest|surest|most painless) "
    r"way to (?:die|kill (?:yourself|himself|herself)|end (?:it|your life|his life|her life))\b|"
    r"\b(?:cut|slit|slice) (?:deeper|along the|vertically|lengthwise)\b|"
    r"\b(?:swallow|swallowed|take|took) (?:all|the whole bottle|every one|\d{2,}) (?:of )?"
    r"(?:the |her |his |your )?(?:pills|tablets)\b|\btie (?:a|the) noose\b"
)
SEXUAL = re.compile(
    r"\b(?:sex|sexual|sexually|sexy|naked|nude|undress\w*|aroused|arousal|erotic\w*|orgasm\w*|"
    r"intercourse|make love|made love|making love|fondl\w*|breasts?|genitals?|penis|vagina|"
    r"moan(?:ed|ing|s)?|seduc\w*|lust\w*|foreplay|porn\w*|strip(?:ped)? (?:naked|off)|"
    r"bedded|groped?|molest\w*)\b"
)
_AGE_WORDS = (
    r"(?:five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen)"
)
MINOR = re.compile(
    r"\b(?:child|children|kids?|minors?|underage|under-age|pre-?teens?|toddlers?|infants?|"
    r"schoolgirls?|schoolboys?|little (?:girl|boy)s?|young (?:girl|boy)s?|teen|teens|teenagers?|"
    r"teenage|adolescents?|middle school|junior high|puberty|pubescent|"
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth) grade|"
    r"grade (?:[1-9])\b|year (?:[1-9]|1[01]) (?:pupil|student)s?)\b|"
    rf"\b(?:1[0-7]|[1-9]|{_AGE_WORDS})[- ]years?[- ]old\b|\baged? (?:1[0-7]|[1-9]|{_AGE_WORDS})\b|"
    rf"\bwhen (?:she|he|i|they) (?:was|were) (?:only |just )?(?:1[0-7]|[1-9]|{_AGE_WORDS})\b"
)
# Not sexual content: a school subject and health terms.
_SEXUAL_BENIGN = re.compile(r"\bsex (?:education|ed)\b|\bbreast (?:cancer|feeding|milk)\b")


class ModerationResult(BaseModel):
    """Whether an installment may be delivered, and why not (reasons never quote the text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    ok: bool
    flags: list[Flag]
    reasons: list[str]


def moderate(
    text: str, *, known_people: Sequence[str], private_details: Sequence[str] = ()
) -> ModerationResult:
    """Check an installment for self-harm encouragement, sexualised minors, slurs, privacy."""
    if not isinstance(text, str):
        return ModerationResult(ok=False, flags=["invalid_input"], reasons=["text is not a string"])
    body = text[:MAX_CHARS]
    low = body.lower()
    flags: list[Flag] = []
    reasons: list[str] = []
    if ENCOURAGE.search(low) or INSTRUCT.search(low):
        flags.append("self_harm_encouragement")
        reasons.append("approves of, encourages or explains self-harm or suicide")
    if _sexual_minors(low):
        flags.append("sexual_minors")
        reasons.append("sexual content near a child or minor cue")
    slurs = count_slurs(body)
    if slurs:
        flags.append("slur")
        reasons.append(f"{slurs} slur(s) from the curated list")
    contacts = contact_findings(body)
    if contacts:
        flags.append("private_contact")
        reasons.extend(contacts)
    details = detail_findings(body, list(known_people or ()), list(private_details or ()))
    if details:
        flags.append("private_detail")
        reasons.extend(details)
    return ModerationResult(ok=not flags, flags=flags, reasons=reasons)


def _sexual_minors(low: str) -> bool:
    """Sexual wording and a minor cue in the same or a neighbouring sentence."""
    sents = [_SEXUAL_BENIGN.sub(" ", s) for s in sentences(low)]
    sexual = [bool(SEXUAL.search(s)) for s in sents]
    minor = [bool(MINOR.search(s)) for s in sents]
    return any(
        sexual[i] and any(minor[max(0, i - 1): i + 2]) for i in range(len(sents))
    )
