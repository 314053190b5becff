"""The rule record and the shared vocabulary that rule patterns are built from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.safety.assessment import Category


@dataclass(frozen=True)
class Rule:
    """One transparent risk pattern: matched per sentence on normalised text."""

    id: str
    category: Category
    weight: float
    pattern: re.Pattern[str]
    reason: str
    # False when the pattern carries its own negation ("I don't want to live").
    negatable: bool = True
    # True when the pattern describes something that already happened ("I tried to ...").
    past: bool = False
    # Sentence-level guard: a benign reading (accident, idiom, ordinary reason) wins.
    unless: re.Pattern[str] | None = None


def rule(
    rule_id: str,
    category: Category,
    weight: float,
    pattern: str,
    reason: str,
    *,
    negatable: bool = True,
    past: bool = False,
    unless: str | None = None,
) -> Rule:
    """Compile one rule."""
    return Rule(
        id=rule_id,
        category=category,
        weight=weight,
        pattern=re.compile(pattern),
        reason=reason,
        negatable=negatable,
        past=past,
        unless=re.compile(unless) if unless else None,
    )


# People who can hurt the user or be hurt by them (lower-cased text).
KIN = (
    r"(?:husband|wife|partner|boyfriend|girlfriend|bf|gf|ex|fianc[eé]e?|dad|daddy|father|mum|"
    r"mummy|mom|mommy|mother|step ?dad|step ?father|step ?mum|step ?mom|step ?mother|uncle|"
    r"aunt|auntie|brother|sister|cousin|grandfather|grandad|granddad|grandpa|grandmother|"
    r"grandma|nan|carer|caregiver|teacher|coach|priest|pastor|boss|neighbou?r|son|daughter|"
    r"mother-in-law|father-in-law|flatmate|roommate|babysitter|tutor)"
)
# A third person who can be the subject of an abuse statement.
ABUSER = rf"(?:\bhe|\bshe|\bthey|\bmy (?:\w+ )?{KIN}|\b(?:dad|mum|mom|father|mother))"
# Someone the user might hurt.
VICTIM = (
    rf"(?:him|her|them|you|everyone|everybody|someone|somebody|anyone|anybody|people|whoever|"
    rf"all of them|"
    rf"my {KIN}|my (?:kids?|children|baby|classmates?|coworkers?|colleagues?)|"
    r"his (?:\w+ )?(?:wife|girlfriend|classmates?|teacher|kids?)|"
    r"the (?:people|guy|man|woman|kids?|teacher|bully|bullies|person|bastard)|"
    r"that (?:guy|man|woman|bitch|bastard|prick|idiot|asshole|kid))"
)
# Reflexive forms for statements about another person's self-harm or suicide.
THEMSELF = r"(?:himself|herself|themselves|themself)"
THEIR_LIFE = r"(?:his|her|their) (?:own )?life"
