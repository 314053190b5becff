"""People the user mentions: relation words, names, aliases, and pronouns resolved to them."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from nlu.schema import PersonMention

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


def _name_after(doc: Doc, i: int) -> Span | None:
    """A proper name right after token i ("my grandmother Maria", "my friend, Sam")."""
    j = i + 1
    if j < len(doc) and doc[j].text == ",":
        j += 1
    if j < len(doc) and doc[j].pos_ == "PROPN" and doc[j].lower_ not in RELATIONS:
        ent = next((e for e in doc.ents if e.start <= j < e.end), None)
        if ent is not None and ent.label_ == "PERSON":
            return doc[j:ent.end]
        if ent is None and doc[j].is_title:
            return doc[j:j + 1]
    return None


def _relation_mention(doc: Doc, tok: Token) -> _Cluster | None:
    word = tok.lower_
    rel = RELATIONS.get(word)
    if rel is None and word not in GROUPS:
        return None
    start = tok.i - 1 if tok.i and doc[tok.i - 1].lower_ == "best" else tok.i
    before = doc[start - 1].lower_ if start else ""
    user_poss = before in _USER_POSS
    # Kinship words used bare, like names ("Grandma made cookies", "mum called"), are the
    # user's own; "a friend", "his mother" are not.
    bare_kin = word in _KIN and before not in _DETERMINERS and not before.endswith("'s")
    if not (user_poss or bare_kin):
        return None
    first = start - 1 if user_poss else start
    name = _name_after(doc, tok.i)
    end = name.end if name is not None else tok.i + 1
    if name is None and first >= 2 and doc[first - 1].text == ",":
        prev = doc[first - 2]
        if prev.ent_type_ == "PERSON":
            name = next(e for e in doc.ents if e.start <= prev.i < e.end)
            first = name.start
    relation, gender = rel if rel else (GROUPS[word], "plural")
    tokens = list(range(first, end))
    return _Cluster(name=_clean_name(name.text) if name is not None else None,
                    relation=relation, gender=gender, text=doc[first:end].text,
                    texts=[doc[first:end].text], tokens=tokens, group=rel is None)


def _entity_mention(doc: Doc, ent: Span) -> _Cluster | None:
    word = ent.text.lower()
    if word in RELATIONS:
        canonical, gender = RELATIONS[word]
        return _Cluster(name=None, relation=canonical, gender=gender, text=ent.text,
                        texts=[ent.text], tokens=list(range(ent.start, ent.end)))
    relation: str | None = None
    end = ent.end
    if ent.end + 1 < len(doc) and doc[ent.end].lower_ == "from":
        relation = _FROM.get(doc[ent.end + 1].lower_)
        end = ent.end + 2 if relation else end
    name = _clean_name(ent.text)
    if not name or not any(ch.isalpha() for ch in name):
        return None
    text = doc[ent.start:end].text
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


def _resolve_pronouns(doc: Doc, clusters: list[_Cluster], owner: dict[int, int]) -> None:
    """Point he/she/they at the most recent compatible person mentioned before them."""
    for tok in doc:
        want = _PRONOUNS.get(tok.lower_)
        if want is None or tok.i in owner:
            continue
        best, best_pos = None, -1
        for idx, c in enumerate(clusters):
            before = [t for t in c.tokens if t < tok.i]
            if not before or max(before) <= best_pos:
                continue
            ok = c.group if want == "plural" else (not c.group and c.gender in (None, want))
            if want == "plural" and not ok:
                ok = c.gender is None and not c.group  # singular they
            if ok:
                best, best_pos = idx, max(before)
        if best is not None:
            owner[tok.i] = best


def find_people(doc: Doc) -> PeopleResult:
    """People mentioned in doc, merged within it, with pronouns resolved to them."""
    covered: set[int] = set()
    mentions: list[_Cluster] = []
    for tok in doc:
        if tok.i in covered:
            continue
        m = _relation_mention(doc, tok)
        if m is not None:
            mentions.append(m)
            covered.update(m.tokens)
    for ent in doc.ents:
        if ent.label_ == "PERSON" and not covered.intersection(range(ent.start, ent.end)):
            m = _entity_mention(doc, ent)
            if m is not None:
                mentions.append(m)
    mentions.sort(key=lambda m: m.tokens[0])
    clusters = _cluster(mentions)
    owner = {t: idx for idx, c in enumerate(clusters) for t in c.tokens}
    _resolve_pronouns(doc, clusters, owner)
    people = [
        PersonMention(name=c.name, relation=c.relation, text=c.text, gender=c.gender,
                      aliases=list(dict.fromkeys(c.texts + ([c.name] if c.name else []))))
        for c in clusters
    ]
    return PeopleResult(people=people, token_person=owner, displays=[c.display for c in clusters])
