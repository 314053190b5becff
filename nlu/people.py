"""People the user mentions: relation words, names, aliases, and pronouns resolved to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nlu.parse import Ent, Parse
from nlu.schema import PersonMention, Record

# surface word -> (canonical relation, gender or None)
_KIN = {
    "mother": ("mother", "female"), "mom": ("mother", "female"), "mum": ("mother", "female"),
    "mama": ("mother", "female"), "mommy": ("mother", "female"), "mummy": ("mother", "female"),
    "father": ("father", "male"), "dad": ("father", "male"), "daddy": ("father", "male"),
    "papa": ("father", "male"), "grandmother": ("grandmother", "female"),
    "grandma": ("grandmother", "female"), "gran": ("grandmother", "female"),
    "granny": ("grandmother", "female"), "nana": ("grandmother", "female"),
    "nan": ("grandmother", "female"), "grandfather": ("grandfather", "male"),
    "grandpa": ("grandfather", "male"), "granddad": ("grandfather", "male"),
    "grandad": ("grandfather", "male"), "gramps": ("grandfather", "male"),
    "stepmother": ("stepmother", "female"), "stepmom": ("stepmother", "female"),
    "stepfather": ("stepfather", "male"), "stepdad": ("stepfather", "male"),
    "aunt": ("aunt", "female"), "auntie": ("aunt", "female"), "uncle": ("uncle", "male"),
}
_OTHER = {
    "brother": ("brother", "male"), "sister": ("sister", "female"), "son": ("son", "male"),
    "daughter": ("daughter", "female"), "wife": ("wife", "female"),
    "husband": ("husband", "male"), "partner": ("partner", None),
    "boyfriend": ("boyfriend", "male"), "girlfriend": ("girlfriend", "female"),
    "fiance": ("fiance", "male"), "fiancé": ("fiance", "male"),
    "fiancee": ("fiancee", "female"), "fiancée": ("fiancee", "female"),
    "cousin": ("cousin", None), "niece": ("niece", "female"), "nephew": ("nephew", "male"),
    "friend": ("friend", None), "bestie": ("friend", None), "colleague": ("colleague", None),
    "coworker": ("colleague", None), "co-worker": ("colleague", None),
    "workmate": ("colleague", None), "boss": ("boss", None), "manager": ("boss", None),
    "neighbour": ("neighbour", None), "neighbor": ("neighbour", None),
    "teacher": ("teacher", None), "roommate": ("roommate", None),
    "flatmate": ("roommate", None), "classmate": ("classmate", None),
    "godmother": ("godmother", "female"), "godfather": ("godfather", "male"),
    "ex": ("ex", None), "therapist": ("therapist", None), "doctor": ("doctor", None),
}
RELATIONS = {**_KIN, **_OTHER}
# Plural relation words name a group; "they" prefers these.
GROUPS = {
    "parents": "parents", "grandparents": "grandparents", "kids": "children",
    "children": "children", "siblings": "siblings", "brothers": "brothers",
    "sisters": "sisters", "friends": "friends", "cousins": "cousins", "family": "family",
    "sons": "sons", "daughters": "daughters", "colleagues": "colleagues",
}
# "Tom from work" -> colleague.
_FROM = {"work": "colleague", "office": "colleague", "job": "colleague", "school": "classmate",
         "college": "classmate", "university": "classmate", "uni": "classmate",
         "church": "friend", "next": "neighbour", "gym": "friend"}
# Relations a person has at most one of, so "my mother" and "Mum" are the same person.
_PRONOUNS = {"he": "male", "him": "male", "his": "male", "himself": "male",
             "she": "female", "her": "female", "hers": "female", "herself": "female",
             "they": "plural", "them": "plural", "their": "plural", "themselves": "plural"}
_USER_POSS = {"my", "our"}
_DETERMINERS = {"a", "an", "the", "his", "her", "their", "your", "this", "that", "its"}


@dataclass
class _Cluster:
    name: str | None
    relation: str | None
    gender: str | None
    text: str
    texts: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    group: bool = False

    @property
    def display(self) -> str:
        return self.name or self.text


@dataclass
class PeopleResult:
    """People in one doc, and which person each covered or resolved token refers to."""

    people: list[PersonMention]
    token_person: dict[int, int]
    displays: list[str]


def _clean_name(text: str) -> str:
    return text.removesuffix("'s").removesuffix("’s").strip(" ,")


def _ent_at(p: Parse, i: int) -> Ent | None:
    return next((e for e in p.ents if e.start <= i < e.end), None)


def _name_after(p: Parse, i: int) -> tuple[int, int] | None:
    """Token range of a proper name right after i ("my grandmother Maria", "my friend, Sam")."""
    j = i + 2 if i + 1 < len(p) and p.text[i + 1] == "," else i + 1
    if j < len(p) and p.pos[j] == "PROPN" and p.lower[j] not in RELATIONS:
        ent = _ent_at(p, j) if p.ent[j] else None
        if ent is not None and ent.label == "PERSON":
            return j, ent.end
        if ent is None and p.text[j].istitle():
            return j, j + 1
    return None


def _relation_mention(p: Parse, i: int) -> _Cluster | None:
    word = p.lower[i]
    rel = RELATIONS.get(word)
    start = i - 1 if i and p.lower[i - 1] == "best" else i
    before = p.lower[start - 1] if start else ""
    user_poss = before in _USER_POSS
    # Kinship words used bare, like names ("Grandma made cookies", "mum called"), are the
    # user's own; "a friend", "his mother" are not.
    bare_kin = word in _KIN and before not in _DETERMINERS and not before.endswith("'s")
    if not (user_poss or bare_kin):
        return None
    first = start - 1 if user_poss else start
    name = _name_after(p, i)
    end = name[1] if name is not None else i + 1
    if name is None and first >= 2 and p.text[first - 1] == "," and p.ent[first - 2] == "PERSON":
        ent = _ent_at(p, first - 2)
        if ent is not None:
            name, first = (ent.start, ent.end), ent.start
    relation, gender = rel if rel else (GROUPS[word], "plural")
    text = p.span_text(first, end - 1)
    name_text = _clean_name(p.span_text(name[0], name[1] - 1)) if name is not None else None
    return _Cluster(name=name_text, relation=relation, gender=gender, text=text,
                    texts=[text], tokens=list(range(first, end)), group=rel is None)


def _entity_mention(p: Parse, ent: Ent) -> _Cluster | None:
    word = ent.text.lower()
    if word in RELATIONS:
        canonical, gender = RELATIONS[word]
        return _Cluster(name=None, relation=canonical, gender=gender, text=ent.text,
                        texts=[ent.text], tokens=list(range(ent.start, ent.end)))
    relation: str | None = None
    end = ent.end
    if ent.end + 1 < len(p) and p.lower[ent.end] == "from":
        relation = _FROM.get(p.lower[ent.end + 1])
        end = ent.end + 2 if relation else end
    name = _clean_name(ent.text)
    if not name or not any(ch.isalpha() for ch in name):
        return None
    text = p.span_text(ent.start, end - 1)
    return _Cluster(name=name, relation=relation, gender=None, text=text,
                    texts=[text], tokens=list(range(ent.start, end)))


def _same(a: _Cluster, b: _Cluster) -> bool:
    if a.group != b.group:
        return False
    if a.name and b.name:
        an, bn = a.name.lower(), b.name.lower()
        return an == bn or an.split()[0] == bn.split()[0]
    return a.relation is not None and a.relation == b.relation


def _info(m: _Cluster) -> int:
    return (m.name is not None) + (m.relation is not None)


def _cluster(mentions: list[_Cluster]) -> list[_Cluster]:
    """Merge mentions of one person; an ambiguous match (two candidates) merges nothing."""
    clusters: list[_Cluster] = []
    for m in mentions:
        matches = [c for c in clusters if _same(c, m)]
        if len(matches) != 1:
            clusters.append(m)
            continue
        c = matches[0]
        if _info(m) > _info(c):
            c.text = m.text
        c.name = c.name or m.name
        c.relation = c.relation or m.relation
        c.gender = c.gender or m.gender
        c.texts.append(m.text)
        c.tokens.extend(m.tokens)
    return clusters


def _resolve_pronouns(p: Parse, clusters: list[_Cluster], owner: dict[int, int]) -> None:
    """Point each he/she/they at the most recent compatible person mentioned before it.

    Compatible: "she" a female or unknown-gender person, "he" a male or unknown one, "they"
    a group ("my parents"), else a single person of unknown gender (singular they).
    Recency is by the person's last mention before the pronoun; no syntax, no salience.
    """
    last_seen: dict[int, int] = {}
    for i, word in enumerate(p.lower):
        who = owner.get(i)
        if who is not None:
            last_seen[who] = i
            continue
        want = _PRONOUNS.get(word)
        if want is None or not last_seen:
            continue
        best = _most_recent(clusters, last_seen, want)
        if best is not None:
            owner[i] = best
            last_seen[best] = i


def _most_recent(clusters: list[_Cluster], last_seen: dict[int, int], want: str) -> int | None:
    def fits(c: _Cluster) -> bool:
        if want == "plural":
            return c.group
        return not c.group and c.gender in (None, want)

    ranked = sorted(last_seen, key=last_seen.__getitem__, reverse=True)
    match = next((k for k in ranked if fits(clusters[k])), None)
    if match is None and want == "plural":
        match = next((k for k in ranked if clusters[k].gender is None
                      and not clusters[k].group), None)
    return match


def find_people(p: Parse) -> PeopleResult:
    """People mentioned in a parsed message, merged within it, with pronouns resolved."""
    covered: set[int] = set()
    mentions: list[_Cluster] = []
    for i, word in enumerate(p.lower):
        if i in covered or (word not in RELATIONS and word not in GROUPS):
            continue
        m = _relation_mention(p, i)
        if m is not None:
            mentions.append(m)
            covered.update(m.tokens)
    for ent in p.ents:
        if ent.label == "PERSON" and not covered.intersection(range(ent.start, ent.end)):
            m = _entity_mention(p, ent)
            if m is not None:
                mentions.append(m)
    mentions.sort(key=lambda m: m.tokens[0])
    clusters = _cluster(mentions)
    owner = {t: idx for idx, c in enumerate(clusters) for t in c.tokens}
    _resolve_pronouns(p, clusters, owner)
    people = [
        PersonMention(name=c.name, relation=c.relation, text=c.text, gender=c.gender,
                      aliases=list(dict.fromkeys(c.texts + ([c.name] if c.name else []))))
        for c in clusters
    ]
    return PeopleResult(people=people, token_person=owner, displays=[c.display for c in clusters])


class PeopleLink(Record):
    """Known people after linking one message's mentions, and where each mention went."""

    people: list[PersonMention]
    matches: list[int]  # for each new mention, its index in people


def _alias_key(text: str) -> str:
    words = text.casefold().replace("’", "'").split()
    while words and words[0] in _USER_POSS:
        words = words[1:]
    return " ".join(words)


def _keys(m: PersonMention) -> set[str]:
    return {_alias_key(a) for a in [*m.aliases, m.text, m.name or ""] if a}


def _link_candidates(known: Sequence[PersonMention], m: PersonMention) -> list[int]:
    keys = _keys(m)
    by_alias = [n for n, k in enumerate(known) if keys & _keys(k)]
    if by_alias:
        return by_alias
    if m.relation is None or m.gender == "plural":
        return []
    return [n for n, k in enumerate(known) if k.relation == m.relation
            and not (k.name and m.name and k.name.casefold() != m.name.casefold())]


def link_people(known: Sequence[PersonMention], new: Sequence[PersonMention]) -> PeopleLink:
    """Merge a message's people into the known ones: same alias, or the only one of a relation.

    "Grandma" or "Gran" joins the known grandmother Maria (once "my grandmother Maria" has
    linked name and relation); with two known grandmothers it stays separate.
    """
    people = list(known)
    matches = []
    for m in new:
        found = _link_candidates(people, m)
        if len(found) != 1:
            people.append(m)
            matches.append(len(people) - 1)
            continue
        n = found[0]
        k = people[n]
        people[n] = k.model_copy(update={
            "name": k.name or m.name, "relation": k.relation or m.relation,
            "gender": k.gender or m.gender,
            "aliases": list(dict.fromkeys([*k.aliases, *m.aliases])),
        })
        matches.append(n)
    return PeopleLink(people=people, matches=matches)
