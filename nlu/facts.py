"""Lasting facts about the user, as subject-predicate-object, read from first-person sentences.

Patterns are regular expressions over each sentence (a parse adds little for these fixed
phrasings and costs more); a sentence none of them reads goes to :mod:`nlu.selfdesc`
(habits, likes, roles, health, possessions, read from the parse). Objects are clipped at
the first clause boundary. "anymore", "no longer" and "don't ... now" mark a fact negated:
it retracts, it does not assert.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from nlu.dates import NUMBER_RE, parse_number
from nlu.parse import Parse
from nlu.people import PeopleResult
from nlu.schema import SINGLE_VALUED, Fact
from nlu.selfdesc import open_facts

__all__ = ["SINGLE_VALUED", "extract_facts"]

_RELATION_FACTS = {"wife": "spouse", "husband": "spouse", "partner": "partner",
                   "boyfriend": "partner", "girlfriend": "partner", "fiance": "partner",
                   "fiancee": "partner", "mother": "mother", "father": "father",
                   "brother": "brother", "sister": "sister", "son": "son", "daughter": "daughter",
                   "grandmother": "grandmother", "grandfather": "grandfather",
                   "friend": "friend", "colleague": "colleague", "cousin": "cousin"}
OCCUPATIONS = (
    "nurse|doctor|teacher|engineer|lawyer|accountant|farmer|chef|cook|baker|driver|"
    "mechanic|electrician|plumber|carpenter|builder|programmer|developer|designer|artist|"
    "writer|journalist|musician|singer|actor|actress|dentist|pharmacist|pilot|soldier|"
    "police officer|firefighter|cleaner|secretary|manager|salesman|saleswoman|shopkeeper|"
    "librarian|scientist|researcher|professor|lecturer|student|nanny|carer|caregiver|"
    "social worker|architect|vet|veterinarian|waiter|waitress|barista|hairdresser|"
    "fisherman|tailor|midwife|paramedic|psychologist|therapist|translator|photographer|"
    "consultant|banker|civil servant|housewife|homemaker|priest|rabbi|imam|miner|"
    "factory worker|software engineer|data scientist|retiree"
)
_PETS = "dog|cat|puppy|kitten|rabbit|hamster|parrot|horse|bird|fish|turtle|tortoise|guinea pig"
_CHILD = r"(?:kids?|children|child|sons?|daughters?|grandchildren|grandchild|grandkids?)"
_STOP = re.compile(
    r"\s+(?:at|in|on|from|and|but|because|since|when|where|while|with|so|until|now|anymore"
    r"|any more|these days|at the moment|right now|though|which|who|for|after|before|last"
    r"|this|next|in \d{4}|ago|again|too|as well|yet|already)\b.*$|[,.;:!?()\"].*$",
    re.IGNORECASE | re.DOTALL,
)
_NEG_TAIL = re.compile(r"\b(?:anymore|any more|no longer|not any ?more)\b", re.IGNORECASE)
_NEG = r"(?P<neg>don't\s+|do\s+not\s+|no\s+longer\s+|never\s+|not\s+|'m\s+not\s+|am\s+not\s+)?"
_ADV = r"(?:currently\s+|still\s+|now\s+|actually\s+|also\s+|just\s+|recently\s+)?"
_I_AM = r"\bI(?:'m|\s+am)\s+"


def _clip(text: str) -> str:
    """Object phrase up to the first clause boundary, without a leading article."""
    obj = _STOP.sub("", text.strip()).strip()
    return re.sub(r"^(?:a|an|the|my|our)\s+", "", obj, flags=re.IGNORECASE)


Maker = Callable[[re.Match[str], date | None], list[Fact]]


def _simple(predicate: str) -> Maker:
    def make(m: re.Match[str], when: date | None) -> list[Fact]:
        obj = _clip(m["obj"])
        if not obj:
            return []
        negated = bool(m.groupdict().get("neg")) or bool(_NEG_TAIL.search(m.string[m.start():]))
        return [Fact(subject="user", predicate=predicate, object=obj, negated=negated)]
    return make


def _lived_in(m: re.Match[str], when: date | None) -> list[Fact]:
    """A past home; "used to live in X" also says X is no longer home."""
    facts = _simple("lived_in")(m, when)
    if facts and "used" in m.group(0).lower():
        facts.append(Fact(subject="user", predicate="lives_in", object=facts[0].object,
                          negated=True))
    return facts


def _children(m: re.Match[str], when: date | None) -> list[Fact]:
    grand = "grand" in m.group(0).lower()
    total = 0
    for n, _noun in re.findall(rf"\b({NUMBER_RE}|no)\s+{_CHILD.replace('(?:', '(')}", m.group(0),
                               re.IGNORECASE):
        value = 0 if n.lower() == "no" else parse_number(n)
        if value is None:
            return []
        total += value
    pred = "grandchildren" if grand else "children"
    return [Fact(subject="user", predicate=pred, object=str(total))]


def _birth_year(m: re.Match[str], when: date | None) -> list[Fact]:
    return [Fact(subject="user", predicate="birth_year", object=m["y"])]


def _age(m: re.Match[str], when: date | None) -> list[Fact]:
    n = parse_number(m["n"])
    if n is None or not 5 <= n <= 110:
        return []
    if when is None:
        return [Fact(subject="user", predicate="age", object=str(n))]
    # Birthday unknown: this year minus age is right or one too high; the merge allows +-1.
    return [Fact(subject="user", predicate="birth_year", object=str(when.year - n))]


def _pet(m: re.Match[str], when: date | None) -> list[Fact]:
    kind, name = m["kind"].lower(), m.groupdict().get("name")
    obj = f"{name} ({kind})" if name else kind
    died = bool(m.groupdict().get("died"))
    past = m.groupdict().get("verb", "").lower() == "had"
    return [Fact(subject="user", predicate="past_pet" if past else "pet", object=obj,
                 negated=died)]


def _unmarried(m: re.Match[str], when: date | None) -> list[Fact]:
    return [Fact(subject="user", predicate="spouse", object="", negated=True)]


def _speaks(m: re.Match[str], when: date | None) -> list[Fact]:
    parts = re.split(r",\s*|\s+and\s+", m["obj"])
    langs = (_clip(re.sub(r"^(?:a\s+)?(?:bit\s+of|little)\s+", "", part)) for part in parts)
    return [Fact(subject="user", predicate="speaks", object=lang) for lang in langs if lang]


def _favourite(m: re.Match[str], when: date | None) -> list[Fact]:
    obj = _clip(m["obj"])
    return [Fact(subject="user", predicate=f"favourite_{m['what'].lower()}", object=obj)] if obj \
        else []


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_OBJ = r"(?P<obj>[^,.;!?]+)"
PATTERNS: list[tuple[re.Pattern[str], Maker]] = [
    (_c(rf"\bI\s+{_NEG}{_ADV}work\s+as\s+{_OBJ}"), _simple("occupation")),
    (_c(rf"{_I_AM}{_NEG}{_ADV}working\s+as\s+{_OBJ}"), _simple("occupation")),
    (_c(rf"\bI\s+(?:used\s+to\s+work|worked)\s+as\s+{_OBJ}"), _simple("past_occupation")),
    (_c(rf"{_I_AM}{_NEG}{_ADV}(?:an?\s+)(?P<obj>(?:{OCCUPATIONS})\b)"), _simple("occupation")),
    (_c(rf"{_I_AM}(?:an?\s+)?(?:retired|former)\s+(?P<obj>(?:{OCCUPATIONS})\b)"),
     _simple("past_occupation")),
    (_c(rf"\bI\s+{_NEG}{_ADV}work\s+(?:as\s+an?\s+[\w-]+\s+)?(?:at|for)\s+{_OBJ}"),
     _simple("employer")),
    (_c(rf"\b(?:I|we)\s+(?:have|'ve\s+got|have\s+got)\s+(?:{NUMBER_RE}|no)\s+{_CHILD}"
        rf"(?:\s+and\s+(?:{NUMBER_RE})\s+{_CHILD})?"), _children),
    (_c(rf"\bI\s+(?:grew\s+up|was\s+raised|was\s+brought\s+up)\s+in\s+{_OBJ}"),
     _simple("grew_up_in")),
    (_c(rf"\b(?:I|we)\s+{_NEG}{_ADV}live\s+in\s+{_OBJ}"), _simple("lives_in")),
    (_c(rf"\b(?:I|we)(?:'m|'re|\s+am|\s+are)\s+{_NEG}{_ADV}living\s+in\s+{_OBJ}"),
     _simple("lives_in")),
    (_c(rf"\b(?:I|we)\s+(?:just\s+|recently\s+|have\s+just\s+|'ve\s+just\s+)moved\s+to\s+{_OBJ}"),
     _simple("lives_in")),
    (_c(rf"\b(?:I|we)\s+(?:used\s+to\s+live|lived)\s+in\s+{_OBJ}"), _lived_in),
    (_c(r"\bI\s+(?:only\s+)?(?:eat|keep)\s+(?:only\s+)?(?P<obj>kosher|halal|vegan|vegetarian"
        r"|plant-based|gluten-free)\b"), _simple("diet")),
    (_c(rf"{_I_AM}{_NEG}{_ADV}(?:an?\s+)?(?P<obj>vegan|vegetarian|pescatarian|pescetarian)\b"),
     _simple("diet")),
    (_c(r"\bI\s+(?:don't|do\s+not|never|can't)\s+eat\s+(?P<obj>meat|pork|fish|dairy|gluten|beef"
        r"|eggs|nuts|shellfish)\b"), _simple("avoids_food")),
    (_c(r"\bI\s+was\s+born\s+in\s+(?P<y>1[89]\d\d|20\d\d)\b"), _birth_year),
    (_c(r"\bI\s+was\s+born\s+in\s+(?P<obj>(?-i:[A-Z])[^,.;!?]*)"), _simple("born_in")),
    (_c(rf"{_I_AM}(?P<n>\d{{1,3}}|{NUMBER_RE})(?:\s+years?\s+old)?(?=\s*(?:[.,!?;]|$|\s+(?:and|but"
        r"|now|this|next|years? old)))"), _age),
    (_c(rf"{_I_AM}{_NEG}{_ADV}married\s+to\s+{_OBJ}"), _simple("spouse")),
    (_c(r"\bI\s+(?:got\s+)?married\s+(?:to\s+)?(?P<obj>(?-i:[A-Z])[^,.;!?]*)"), _simple("spouse")),
    (_c(rf"(?:{_I_AM}(?:now\s+)?(?:divorced|single|widowed|not\s+married)|\bwe\s+(?:got|are|'re)"
        r"\s+divorced|\bI\s+got\s+divorced)\b"), _unmarried),
    (_c(rf"\b(?:I|we)\s+(?P<verb>have|had|got|'ve\s+got|have\s+got)\s+(?:[^.;!?]*?\s+and\s+)?"
        rf"an?\s+(?P<kind>{_PETS})"
        r"(?:\s*,?\s+(?:called|named)\s+(?P<name>(?-i:[A-Z])[\w-]*))?"), _pet),
    (_c(rf"\b(?:my|our)\s+(?P<kind>{_PETS})\s+(?P<name>(?-i:[A-Z])[\w-]*)"
        r"(?P<died>\s+(?:died|passed\s+away))?"), _pet),
    (_c(rf"\b(?:my|our)\s+(?P<kind>{_PETS})(?:\s+(?P<name>(?-i:[A-Z])[\w-]*))?"
        r"(?P<died>\s+(?:died|passed\s+away))"), _pet),
    (_c(r"\bI\s+(?:can\s+)?speak\s+(?P<obj>(?-i:[A-Z])[^.;!?]*)"), _speaks),
    (_c(r"\bmy\s+favou?rite\s+(?P<what>[a-z]+)\s+is\s+(?P<obj>[^,.;!?]+)"), _favourite),
]


# Substrings (of the lowercased sentence) without which a pattern cannot match, one entry
# per PATTERNS row; a substring test is far cheaper than a regex scan.
_PET_WORDS = tuple(_PETS.split("|"))
_NEEDS: list[tuple[str, ...]] = [
    ("work",), ("working",), ("work",), ("i'm", "i am"), ("retired", "former"), ("work",),
    ("kid", "child", "son", "daughter"), ("grew", "raised", "brought"), ("live",),
    ("living",), ("moved",), ("live",), ("eat", "keep"), ("vegan", "vegetarian", "pesc"),
    ("eat",), ("born",), ("born",), ("i'm", "i am"), ("married",), ("married",),
    ("divorced", "single", "widowed", "married"), _PET_WORDS, _PET_WORDS, ("died", "passed"),
    ("speak",), ("favo",),
]
assert len(_NEEDS) == len(PATTERNS)
_NEEDS_RE = [re.compile("|".join(map(re.escape, needs))) for needs in _NEEDS]
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|we|my|our)\b", re.IGNORECASE)


def extract_facts(p: Parse, when: date | None, people: PeopleResult | None = None) -> list[Fact]:
    """Profile facts stated in a parsed message, in order, without duplicates."""
    facts: list[Fact] = []
    for lo, hi in p.sents:
        if hi <= lo:
            continue
        sentence = p.span_text(lo, hi - 1).replace("’", "'")
        if not _FIRST_PERSON.search(sentence):
            continue
        low = sentence.lower()
        found = len(facts)
        for (pattern, make), needs in zip(PATTERNS, _NEEDS_RE, strict=True):
            if not needs.search(low):
                continue
            for m in pattern.finditer(sentence):
                facts.extend(make(m, when))
        if len(facts) == found:  # no fixed phrasing: read the sentence's own structure
            facts.extend(open_facts(p, lo, hi))
    for person in people.people if people else []:
        predicate = _RELATION_FACTS.get(person.relation or "")
        if person.name and predicate:
            facts.append(Fact(subject="user", predicate=predicate, object=person.name))
    return list(dict.fromkeys(facts))
