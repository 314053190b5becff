"""Abuse rules: the user (or someone they name) being hit, controlled, threatened or sexually abused."""

# ruff: noqa: E501 (regex alternations read better unbroken than split mid-group)

from __future__ import annotations

from nlu.safety.assessment import Category
from nlu.safety.rules.base import ABUSER, KIN, Rule, rule

AB: Category = "abuse"

_HIT = (
    r"(?:hit|hits|hitting|beat|beats|beating|slap|slaps|slapped|slapping|kick|kicks|kicked|"
    r"kicking|punch|punches|punched|punching|choke|chokes|choked|choking|strangle|strangles|"
    r"strangled|strangling|push|pushes|pushed|pushing|shove|shoves|shoved|grab|grabs|grabbed|"
    r"hurt|hurts|hurting|rape|rapes|raped|raping|abuse|abuses|abused|abusing|molest|molests|"
    r"molested|molesting|burn|burns|burned|burnt|whip|whips|whipped|bite|bites|bit|lock|locks|"
    r"locked|locking)"
)
# Non-violent senses of the same verbs.
_NOT_VIOLENCE = (
    r"\bbeat (?:me|us) (?:at|in|to)\b(?! death| a pulp| within)|\b(?:almost|nearly|barely|finally|easily) beat (?:me|us)\b"
    r"(?! (?:to death|up|black|senseless|bloody))|\bhit (?:me|us) up\b|\bhit me with (?:a|an|the|his|her|this) "
    r"(?:surprise|news|question|idea|joke|bill|fine|announcement)|\b(?:it|that|reality|the news) "
    r"hit me\b|\bhurt (?:me|my feelings) (?:when|by) (?:he|she|they) (?:said|left|lied|cheated|"
    r"forgot)\b|\bhurt my feelings\b|\bcheated on me\b"
)
_VICTIM_3P = r"(?:her|him|my (?:kids|children|son|daughter|baby|mum|mom|mother|sister|brother))"

RULES: tuple[Rule, ...] = (
    rule("ab.threat", AB, 0.85,
         rf"{ABUSER}\b[^.!?]{{0,20}}\b(?:threaten(?:s|ed)?|said|says|swore|swears|promised) "
         r"(?:to |(?:he|she|they)(?:'d| would|'ll| will) )(?:kill|hurt|beat|harm|take the kids from) "
         r"(?:me|us)\b|\b(?:he|she|they)(?:'ll| will|'s going to) kill me if\b",
         "threatened with violence"),
    rule("ab.physical", AB, 0.65,
         rf"{ABUSER}\b[^.!?]{{0,20}}?\b{_HIT} (?:me|us)\b|\bthrows? things at me\b|"
         r"\b(?:raise[sd]?|raising) (?:a|his|her) hand to me\b",
         "physical or sexual abuse of the user", unless=_NOT_VIOLENCE),
    rule("ab.sexual", AB, 0.80,
         r"\bkeeps? touching me\b|"
         rf"{ABUSER}\b[^.!?]{{0,25}}\btouch(?:es|ed|ing)? me\b[^.!?]{{0,30}}(?:at night|when|there|"
         r"inappropriately|under|in (?:places|ways)|secret|who to tell)|\b(?:forced|forces|force|made|makes|make) me (?:to )?(?:have sex|"
         r"do (?:things|stuff|sexual)|touch (?:him|her)|watch porn|perform)|"
         r"\bour (?:little )?secret\b|\btold me not to tell\b|\basking for (?:pictures|photos|nudes|pics)\b",
         "sexual abuse, coercion or grooming", negatable=False),
    rule("ab.passive", AB, 0.65,
         r"\bi (?:was|were|'ve been|have been|got|get|am being|'m being|am|'m)(?: repeatedly| sexually|"
         r" physically| emotionally| regularly)? (?:abused|molested|raped|sexually assaulted|assaulted|"
         r"beaten(?: up)?|groomed|trafficked|strangled|choked|locked (?:in|up|out))\b|"
         r"\b(?:i'm|i am|i've been|i was) in an abusive (?:relationship|marriage)\b|"
         rf"\bmy {KIN} is (?:abusive|violent)\b",
         "abuse of the user"),
    rule("ab.fear", AB, 0.62,
         r"\b(?:i|i'm|we|we're|am|was|were|are|been|get|got|feel|felt|grew up)"
         r"(?: (?:just|so|really|very|still|too|all|always|often|more|less))? "
         r"(?:scared|afraid|terrified|frightened) (?:of|to go home|of what)\b[^.!?]{0,25}"
         r"\b(?:him|her|my (?:husband|wife|partner|boyfriend|girlfriend|dad|father|mum|mom|mother|"
         r"stepdad|stepfather|ex))\b|\b(?:scared|afraid|terrified) to go (?:back )?home\b|"
         r"\bwhat (?:he|she)(?:'ll| will|'d| would) do to me\b",
         "fear of someone at home"),
    rule("ab.control", AB, 0.60,
         r"\b(?:won't|doesn't|does not|will not) let me (?:see my (?:friends|family)|have (?:my own )?"
         r"money|leave the house|go out alone|work)\b|\bchecks my (?:phone|messages|texts|email)\b|"
         r"\bcontrols (?:everything|all (?:the|my) money|my money|who i see)\b|"
         r"\blocks me (?:in|out|up)\b|\btakes my (?:money|pension|benefits|wages|bank card)\b|"
         r"\b(?:no one|nobody) would believe me\b",
         "coercive control", negatable=False),
    rule("ab.injury", AB, 0.65,
         r"\bbruises?\b[^.!?]{0,30}\b(?:where|because|after|from when) (?:he|she|they) (?:grabbed|hit|"
         r"kicked|punched|held|squeezed|pushed)\b|"
         rf"{ABUSER}\b[^.!?]{{0,10}}\bgets? (?:violent|aggressive|rough)\b",
         "injuries or violence from someone at home"),
    rule("other.ab.harm", AB, 0.62,
         rf"{ABUSER}\b[^.!?]{{0,20}}?\b{_HIT} {_VICTIM_3P}\b|"
         rf"\bmy \w+'s {KIN}\b[^.!?]{{0,10}}\b{_HIT} (?:her|him|them)\b|"
         r"\b(?:kids|children|child|son|daughter|baby) (?:is|are) (?:always |often )?(?:covered in|"
         r"full of) bruises\b",
         "someone else is being abused", unless=_NOT_VIOLENCE),
)
