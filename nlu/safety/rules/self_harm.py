"""Self-harm rules: cutting, burning, hitting, starving oneself; urges, concealment; third party."""

# ruff: noqa: E501 (regex alternations read better unbroken than split mid-group)

from __future__ import annotations

from nlu.safety.assessment import Category
from nlu.safety.rules.base import THEMSELF, Rule, rule

SH: Category = "self_harm"

# Everyday injuries: the reading wins unless the user says it was on purpose.
ACCIDENT = (
    r"(?<!on )(?:shav(?:e|es|ed|ing)|cooking|chopping|slicing|by accident|accidentally|on the (?:stove|oven|"
    r"iron|kettle|pan|grill|hob|glass|fence)|on (?:a|some) (?:glass|paper|nail|can)|oven door|"
    r"playing|at the gym|(?:fell|tripped|slipped)|while \w+ing|making (?:bread|dinner|tea|coffee)|"
    r"in the kitchen|garden(?:ing)?|dog bite)(?![^.!?]*\bon purpose\b)"
)
_SELF_VERB = (
    r"(?:cut|cuts|cutting|burn|burns|burned|burnt|burning|hurt|hurts|hurting|harm|harms|harming|"
    r"scratch|scratches|scratching|punish|punishes|punishing|starve|starves|starved|starving|"
    r"injure|injures|injured|injuring)"
)
_BODY = r"(?:arms?|wrists?|legs?|thighs?|skin|stomach|body|hands?)"

RULES: tuple[Rule, ...] = (
    rule("sh.self_verb", SH, 0.68,
         rf"\b{_SELF_VERB} myself\b(?! (?:a|an|some|another|the|off) )",
         "hurting oneself", unless=ACCIDENT),
    rule("sh.named", SH, 0.68,
         r"\bi\b[^.!?]{0,30}\bself[- ]?(?:harm|harmed|harming|injur\w*)\b"
         r"(?! (?:injuries|patients|charity|awareness|support|prevention|services|team))|"
         r"\b(?:urge|urges|need|want|wanted|tempted) to (?:cut|self[- ]?harm|burn myself|"
         r"hurt myself)\b(?! (?:costs?|corners|back|down|ties|class|school|in\b|out\b|off\b|loose|"
         r"through|my hair|the|a|an|it|them|him|her|people|my losses)\b)|\bthe urge to cut\b",
         "self-harm or the urge to self-harm"),
    rule("sh.cutting", SH, 0.68,
         rf"\b(?:been|used to|started|keep|kept|began|i'm|am) (?:cutting|to cut|cut)"
         rf"(?= *$| again\b| myself\b| my {_BODY}| in (?:school|secret)| when| to cope| because| at night)"
         rf"|\bcutting my {_BODY}\b",
         "cutting"),
    rule("sh.bleed", SH, 0.66,
         r"\b(?:until|till) (?:it|i|they) (?:bleeds?|bled)\b|\bmake myself bleed\b|"
         rf"\bdig(?:ging)? my nails into my {_BODY}\b",
         "injuring oneself until bleeding"),
    rule("sh.conceal", SH, 0.62,
         r"\bso (?:nobody|no one) (?:sees|can see|notices|will see) (?:the|my) (?:cuts|scars|marks|"
         r"burns)\b|\bhid(?:e|ing)? (?:the|my) (?:cuts|scars|marks|burns)\b|"
         r"\b(?:razors?|blades?|razor blades)\b[^.!?]{0,40}\b(?:hidden|in my (?:room|drawer|bag|"
         r"pencil case|pocket)|for when|just in case)\b|\b(?:hidden|keep|kept|have|got)(?: a| the| my)? "
         r"(?:razor|blade)s?(?: blades?)? (?:hidden|in my)\b",
         "concealing self-harm or keeping blades", negatable=False),
    rule("sh.head", SH, 0.65,
         r"\b(?:bang|bangs|banging|banged|hit|hits|hitting) my head (?:against|on|into) "
         r"(?:the |a )?(?:wall|floor|door)\b",
         "hitting one's head"),
    rule("sh.carve", SH, 0.70,
         rf"\bcarv(?:ed|e|ing)\b[^.!?]{{0,40}}\binto my {_BODY}",
         "carving into one's skin"),
    rule("sh.deserve", SH, 0.60,
         r"\bi deserve (?:the pain|to (?:hurt|suffer|be in pain|bleed|feel pain))\b|"
         r"\bwanted it to hurt\b|\bpunched (?:the|a) wall (?:until|till)\b",
         "wanting to feel pain"),
    rule("sh.starve", SH, 0.60,
         r"\bnot eating for days\b|\b(?:stop|stopped) eating to punish\b",
         "starving oneself"),
    rule("other.sh.self", SH, 0.62,
         rf"\b{_SELF_VERB} {THEMSELF}\b(?! (?:a|an|some|another|the|off) )|"
         rf"\bfresh (?:cuts|burns|scars) on (?:his|her|their) {_BODY}|"
         r"\b(?:he|she|they)(?:'s| is| has been|'s been| keeps?)? self[- ]?harm\w*\b",
         "someone else is hurting themselves", unless=ACCIDENT),
)
