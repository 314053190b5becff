"""Who 'he' and 'she' are: a pronoun whose person the installment has not named yet.

The user says "My father Jan worked at the shipyard. In 1981 he took me to see the big
ships." If the installment tells only the second sentence, "he" points at nobody. Such a
pronoun becomes the person it meant, as the user named them ("your father Jan"): the last
person of that gender named before it in the user's own words (the same message, then the
few before).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from worker.profile.model import Person, gender_of
from worker.store.records import Pov

_PRONOUNS = {"he": ("male", "subject"), "him": ("male", "object"), "his": ("male", "poss"),
             "she": ("female", "subject"), "her": ("female", "object"),
             "hers": ("female", "poss")}
_WORD = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True)
class Someone:
    """A person of the profile as the story names them, and the words that find them."""

    gender: str | None
    keys: tuple[str, ...]  # lower-case words: their name and aliases, their relation
    label: str  # "your father Jan", "Rosa", "your aunt"


def people_of(people: Sequence[Person], pov: Pov) -> list[Someone]:
    owner = {"first": "my", "second": "your", "third": "their"}[pov]
    out = []
    for p in people:
        named = not p.name.lower().startswith(("your ", "my "))
        keys = {w.lower() for n in (p.name, *p.aliases) for w in _WORD.findall(n)
                if w.lower() not in ("your", "my")}
        if p.relation:
            keys.add(p.relation.lower())
        if named and p.relation:
            label = f"{owner} {p.relation} {p.name}"
        elif named:
            label = p.name
        else:
            label = f"{owner} {p.relation}" if p.relation else p.name
        out.append(Someone(gender_of(p), tuple(sorted(keys)), label))
    return out


# A he or she introduced by name: "his name was Rocket", "she was called Ana"
_INTRODUCED = re.compile(
    r"\b(?:(?P<whose>his|her) name (?:was|is|'s)|(?P<who>he|she) (?:was|is|'s) "
    r"(?:called|named)) (?P<name>[A-Z][a-z'-]+)\b", re.I)


def introduced(text: str) -> list[Someone]:
    """Those a text introduces by name with their pronoun (a dog, a teacher the profile has
    no person for): the name as the user wrote it."""
    out = []
    for m in _INTRODUCED.finditer(text):
        name = m.group("name")
        if not name[:1].isupper():
            continue
        gender = "male" if (m.group("whose") or m.group("who")).lower() in ("his", "he") \
            else "female"
        out.append(Someone(gender, (name.lower(),), name))
    return out


def _mentions(text: str, people: Sequence[Someone]) -> list[Someone]:
    """People named in a text, in the order of their last mention."""
    words = [w.lower() for w in _WORD.findall(text)]
    last: dict[int, int] = {}
    for i, w in enumerate(words):
        for k, person in enumerate(people):
            if w in person.keys:
                last[k] = i
    return [people[k] for k, _ in sorted(last.items(), key=lambda x: x[1])]


# Someone of a known gender the profile has no person for ("I nursed my old patroness in
# her last illness. After she died..."): the he or she is theirs, never a person named earlier.
_NOUNS = {
    "female": frozenset(str.split(
        "woman women lady ladies girl girls wife mother mum mom daughter sister aunt niece "
        "grandmother grandma granny nan queen widow bride nun mistress patroness hostess "
        "actress waitress princess duchess landlady stepmother godmother girlfriend "
        "schoolmistress governess matron")),
    "male": frozenset(str.split(
        "man men boy boys husband father dad son brother uncle nephew grandfather grandpa "
        "king widower groom monk master gentleman fellow lad guy boyfriend stepfather "
        "godfather landlord priest schoolmaster")),
}


SOMEONE_ELSE = Someone(None, (), "")


def _nearest(text: str, people: Sequence[Someone], gender: str) -> Someone | None:
    """The last one of a gender a text speaks of: a person of the profile, SOMEONE_ELSE when
    it is someone the profile does not know ('patroness'), None when nobody is there."""
    found: Someone | None = None
    for w in (w.lower() for w in _WORD.findall(text)):
        known = [p for p in people if w in p.keys]
        if known:  # one the profile knows ('my mother'): theirs when of that gender
            found = next((p for p in known if _fits(p, gender)), found)
        elif w in _NOUNS[gender]:
            found = SOMEONE_ELSE
    return found


def _fits(person: Someone, gender: str) -> bool:
    """Only someone known to be a he (or a she): 'his curls' in Du Bois's passage about his
    son became "Josie's curls" when Josie, of no known gender, was the last one named."""
    return person.gender == gender


def resolve(line: str, before: str, context: Sequence[str],
            people: Sequence[Someone]) -> str:
    """The line with its first unanchored he/she (him, his, her) replaced by its person.

    before: the installment so far; context: the user's words that came before this
    sentence, nearest last."""
    match = next((m for m in _WORD.finditer(line) if m.group(0).lower() in _PRONOUNS), None)
    if match is None:
        return line
    gender, role = _PRONOUNS[match.group(0).lower()]
    if _mentions(line[:match.start()], people):
        return line  # "your cousin Balvinder let you drive his taxi": his is Balvinder's
    if _nearest(line[:match.start()], people, gender) is SOMEONE_ELSE:
        return line  # "you nursed your old patroness in her last illness"
    named = [p for text in context for p in introduced(text)]
    if _nearest(before, [*people, *named], gender) is not None:
        return line  # named, or someone else, in the installment already
    for text in reversed(context):
        found = _nearest(text, [*people, *introduced(text)], gender)
        if found is SOMEONE_ELSE:
            return line
        if found is not None:
            person = found
            break
    else:
        return line
    if role == "object" and match.group(0).lower() == "her" and _followed_by_noun(line, match):
        role = "poss"
    label = person.label + ("'s" if role == "poss" else "")
    if match.start() == 0:
        label = label[:1].upper() + label[1:]
    return line[:match.start()] + label + line[match.end():]


# "Karim and I", "me and my sister", "my wife and I": who the teller's "we" is
_WITH_ME = re.compile(
    r"\b(?P<a>[A-Za-z'-]+) and (?:I|i|me)\b|\b(?:I|i|[Mm]e) and (?P<b>(?:[A-Za-z'-]+ ?){1,4})")


# Who else a teller may be with: "my brother and I", "a friend and I"
_COMPANY = frozenset(_NOUNS["female"] | _NOUNS["male"] | set(str.split(
    "friend friends cousin cousins partner parents family kids children colleague colleagues "
    "neighbour neighbor roommate flatmate classmate classmates team teammates everyone")))


def companion(texts: Sequence[str], people: Sequence[Someone]) -> Someone | None:
    """The one person a teller's texts pair with themselves ("My best friend Karim and I
    met in 1995"), who a later "we" is; None when nobody, or more than one, is."""
    found: dict[str, Someone | None] = {}
    for text in texts:
        for m in _WITH_ME.finditer(text):
            said = _WORD.findall(m.group("a") or m.group("b"))
            words = [w.lower() for w in said]
            person = next((p for w in words for p in people if w in p.keys), None)
            if person is not None:
                found[person.label] = person
            elif said and (any(w in _COMPANY for w in words)
                           or (said[0][:1].isupper() and said[0] not in ("I", "And"))):
                found[" ".join(words)] = None  # someone the profile does not know
    known = list(found.values())
    return known[0] if len(known) == 1 else None


# Words after an object 'her' ("found her under a car", "took her home"), never a noun
_NOT_A_NOUN = frozenset(str.split(
    "a an the this that these those there here to in on at with from for by up down out off "
    "under over into onto about after before since until through across along around behind "
    "near past home back away again too very so and but or nor as if when because while then "
    "now once twice every all more less never always still yesterday today tonight"))


def _followed_by_noun(line: str, match: re.Match[str]) -> bool:
    """'her' as a possessive ('her kitchen') rather than an object ('missed her.', 'found
    her under a car')."""
    rest = _WORD.match(line[match.end():].lstrip())
    return rest is not None and rest.group(0).lower() not in _NOT_A_NOUN
