"""Events from the dependency parse: who did what, to whom, where and when, and did it happen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlu import narrative
from nlu.parse import Parse
from nlu.people import PeopleResult
from nlu.schema import Event, TimeValue

# Matrix verbs whose xcomp carries the event ("I want to go"): lemma -> modality of the
# embedded event. None: aspectual, the event is asserted ("I started to cry").
MATRIX: dict[str, str | None] = {
    "want": "want", "wish": "wish", "hope": "hope", "plan": "plan", "intend": "intend",
    "need": "need", "try": "attempt", "decide": "intend", "promise": "intend",
    "expect": "expect", "have": "obligation", "use": "habitual", "like": "habitual",
    "love": "habitual", "hate": "habitual", "start": None, "begin": None, "stop": None,
    "keep": None, "continue": None, "manage": None, "finish": None, "quit": None,
    "go": "future",  # only as "going to" (VBG)
}
_MODALS = {"will": "future", "'ll": "future", "shall": "future", "wo": "future",
           "would": "would", "'d": "would", "can": "can", "ca": "can", "could": "could",
           "may": "possibility", "might": "possibility", "must": "obligation",
           "should": "obligation", "ought": "obligation", "gon": "future"}
_NEG_WORDS = {"not", "n't", "never", "no", "nobody", "nothing", "none", "nowhere"}
_PLACE_PREPS = {"in", "at", "to", "from", "into", "near", "on", "across", "around", "through",
                "towards", "toward", "inside", "outside", "onto", "by", "back"}
PLACE_NOUNS = frozenset(
    [
        "home", "house", "flat", "apartment", "beach", "park", "school", "church", "hospital",
        "village", "town", "city", "farm", "lake", "river", "sea", "mountain", "mountains",
        "garden", "kitchen", "office", "work", "university", "college", "station", "airport",
        "shop", "store", "market", "restaurant", "cafe", "bar", "pub", "club", "hotel", "camp",
        "cabin", "island", "country", "countryside", "coast", "forest", "woods", "field", "street",
        "island", "abroad", "pool", "gym", "library", "museum", "zoo", "cinema", "theatre",
        "theater", "stadium", "hall", "wedding", "funeral"
    ]
)
_PLACE_ADVS = {"home", "abroad", "overseas", "downtown", "there", "upstairs", "downstairs",
               "outside", "inside"}
_PLACE_ENTS = {"GPE", "LOC", "FAC"}
# Adverbs right after a verb that the small parser labels advmod but that form phrasal
# verbs ("passed away", "grew up").
_PARTICLES = {"away", "up", "out", "off", "down", "back", "over"}
_PERSONISH = {"PERSON", "NORP"}
_PRONOUNS = {"i", "me", "we", "us", "you", "he", "him", "she", "her", "they", "them"}
_NP_LEFT = {"det", "poss", "compound", "amod", "nummod", "quantmod", "nmod", "predet", "case"}
_NP_RIGHT = {"compound", "flat", "nummod", "appos"}
_CLAUSE_CUT = {"conj", "cc", "parataxis", "ccomp", "advcl", "punct", "relcl", "mark"}


@dataclass
class _Frame:
    pred: int  # the content verb ("go" in "I want to go")
    head: int  # the clause head carrying subject, aux and negation ("want")
    modality: str | None


def _is_matrix(p: Parse, i: int) -> bool:
    if p.lemma[i] == "go" and p.tag[i] != "VBG":
        return False
    return p.lemma[i] in MATRIX and any(
        p.dep[c] == "xcomp" and p.pos[c] in ("VERB", "AUX") for c in p.children[i]
    )


def _frames(p: Parse) -> list[_Frame]:
    frames = []
    for i, pos in enumerate(p.pos):
        if pos not in ("VERB", "AUX") or p.dep[i] in ("amod", "aux", "auxpass"):
            continue
        if p.dep[i] == "acl" and p.tag[i] == "VBN":  # "a cat called Miso": a description
            continue
        be_place = p.lemma[i] == "be" and p.dep[i] in ("ROOT", "conj") and any(
            p.dep[c] == "prep" and p.lower[c] in _PLACE_PREPS for c in p.children[i])
        if (pos != "VERB" and not be_place) or _is_matrix(p, i):
            continue
        head, modality = i, None
        h = p.head[i]
        if p.dep[i] == "xcomp" and _is_matrix(p, h):
            head, modality = h, MATRIX[p.lemma[h]]
        frames.append(_Frame(pred=i, head=head, modality=modality))
    return frames


def _aux_modality(p: Parse, f: _Frame) -> str | None:
    for c in (*p.children[f.pred], *p.children[f.head]):
        if p.dep[c] == "aux" and p.lower[c] in _MODALS:
            return _MODALS[p.lower[c]]
        if p.dep[c] == "mark" and p.lower[c] in ("if", "unless"):
            return "conditional"
    return None


def _negated(p: Parse, f: _Frame) -> bool:
    for c in (*p.children[f.pred], *p.children[f.head]):
        if p.dep[c] == "neg" or (p.lower[c] in _NEG_WORDS
                                 and p.dep[c] in ("advmod", "nsubj", "dobj", "det")):
            return True
    return False


def _past(p: Parse, f: _Frame) -> bool:
    toks = [f.pred, f.head]
    auxes = [c for t in toks for c in p.children[t] if p.dep[c] in ("aux", "auxpass")]
    if any(p.tag[t] == "VBD" for t in toks + auxes):
        return True
    return p.tag[f.pred] == "VBN" and any(p.lemma[a] == "have" for a in auxes)


class _Ctx:
    """Per-message lookups shared by the argument readers."""

    def __init__(self, p: Parse, people: PeopleResult | None, time_tokens: set[int]):
        self.p = p
        self.owner = people.token_person if people else {}
        self.displays = people.displays if people else []
        self.time_tokens = time_tokens

    def phrase(self, i: int) -> str:
        """Noun-phrase text for token i (with its conjuncts); a resolved pronoun: the name."""
        p = self.p
        if p.lower[i] in _PRONOUNS and i in self.owner:
            return self.displays[self.owner[i]]
        lo, hi = self._np(i)
        for c in p.children[i]:
            if p.dep[c] == "conj" and c > i:
                hi = max(hi, self._np(c)[1])
        return p.span_text(lo, hi)

    def _np(self, i: int) -> tuple[int, int]:
        p = self.p
        lo = min([i] + [p.edges(c)[0] for c in p.children[i] if c < i and p.dep[c] in _NP_LEFT])
        hi = max([i] + [p.edges(c)[1] for c in p.children[i] if c > i and p.dep[c] in _NP_RIGHT])
        who = self.owner.get(i)
        if who is not None:  # a person's full mention, even where the parse split it
            while lo > 0 and self.owner.get(lo - 1) == who and p.lower[lo - 1] not in _PRONOUNS:
                lo -= 1
            while hi + 1 < len(p) and self.owner.get(hi + 1) == who:
                hi += 1
        return lo, hi

    def is_person(self, i: int) -> bool:
        return i in self.owner or self.p.ent[i] in _PERSONISH or self.p.lower[i] in _PRONOUNS


def _kids(p: Parse, f: _Frame) -> list[int]:
    kids = list(p.children[f.pred])
    if f.head != f.pred:
        kids += [c for c in p.children[f.head] if c != f.pred]
    return kids


def _agent(p: Parse, f: _Frame, kids: list[int]) -> int | None:
    subj = next((c for c in kids if p.dep[c] in ("nsubj", "csubj")), None)
    if subj is not None:
        return subj
    by = next((c for c in kids if p.dep[c] == "agent"), None)
    if by is not None:
        return p.first_child(by, ("pobj",))
    h = p.head[f.head]
    if p.dep[f.head] == "conj" and p.pos[h] in ("VERB", "AUX"):
        return p.first_child(h, ("nsubj",))
    # Small-model parse errors put a sentence-initial name under npadvmod ("Tom ... called").
    return next((c for c in kids if p.dep[c] == "npadvmod" and p.ent[c] == "PERSON"
                 and c < f.head), None)


def _place(ctx: _Ctx, kids: list[int]) -> str | None:
    p = ctx.p
    named: list[str] = []
    plain: list[str] = []
    for c in kids:
        if p.dep[c] in ("advmod", "npadvmod") and p.lower[c] in _PLACE_ADVS:
            plain.append(p.text[c])
        if p.dep[c] == "dobj" and p.ent[c] in _PLACE_ENTS:
            named.append(ctx.phrase(c))
        if p.dep[c] != "prep":
            continue
        for obj in p.children[c]:
            if p.dep[obj] != "pobj":
                continue
            # "at university in Coimbra", "as an engineer in Porto": the place hangs lower.
            named += [ctx.phrase(o) for pr in p.children[obj] if p.dep[pr] == "prep"
                      for o in p.children[pr] if p.dep[o] == "pobj" and p.ent[o] in _PLACE_ENTS]
            if obj in ctx.time_tokens or p.lower[c] not in _PLACE_PREPS:
                continue
            if p.ent[obj] in _PLACE_ENTS:
                named.append(ctx.phrase(obj))
            elif p.lemma[obj].lower() in PLACE_NOUNS and not ctx.is_person(obj):
                plain.append(ctx.phrase(obj))
    found = named or plain
    return found[0] if found else None


def _participants(ctx: _Ctx, kids: list[int]) -> list[str]:
    p, out = ctx.p, []
    for c in kids:
        if p.dep[c] == "dative":
            out.append(ctx.phrase(c))
        if p.dep[c] == "prep" and p.lower[c] in ("with", "alongside", "to", "for", "without"):
            for obj in p.children[c]:
                if p.dep[obj] == "pobj" and (p.lower[c] in ("with", "alongside")
                                             or ctx.is_person(obj)):
                    out.append(ctx.phrase(obj))
    return out


def _clause_text(p: Parse, f: _Frame) -> str:
    """The clause around the predicate, without coordinated or subordinate clauses."""
    kept = [f.head] + [e for c in p.children[f.head] if p.dep[c] not in _CLAUSE_CUT
                       for e in p.edges(c)]
    return p.span_text(min(kept), max(kept))


def _assign_times(p: Parse, frames: Sequence[_Frame],
                  spans: Sequence[tuple[int, int, TimeValue]]) -> dict[int, TimeValue]:
    """Attach each time expression (token span) to the predicate it modifies, up the parse."""
    by_token: dict[int, int] = {}
    for n, f in enumerate(frames):
        by_token.setdefault(f.head, n)
        by_token.setdefault(f.pred, n)
    out: dict[int, TimeValue] = {}
    for lo, hi, value in spans:
        tok, target = p.root_of(lo, hi), None
        for _ in range(len(p)):
            if tok in by_token and not lo <= tok <= hi:
                target = by_token[tok]
                break
            if p.head[tok] == tok:
                break
            tok = p.head[tok]
        if target is None:
            same = [n for n, f in enumerate(frames) if p.sent[f.pred] == p.sent[lo]]
            if not same:
                continue
            target = min(same, key=lambda n: abs(frames[n].pred - lo))
        if target not in out or _precision_rank(value) < _precision_rank(out[target]):
            out[target] = value
    return out


def _precision_rank(value: TimeValue) -> tuple[int, int]:
    """Lower is better: dated before age-only before unplaced; then the narrower range."""
    if value.start is not None and value.end is not None:
        return (0, (value.end - value.start).days)
    return (1, 0) if value.age is not None else (2, 0)


def extract_events(p: Parse, times: Sequence[tuple[int, int, TimeValue]] = (),
                   people: PeopleResult | None = None) -> list[Event]:
    """Events in a parsed message: one per content predicate, with arguments and a score.

    times are (start_char, end_char, value) as from nlu.timex.find_times.
    """
    if not p.has_parse:
        return []
    spans = [(r[0], r[1], v) for s, e, v in times if (r := p.tokens_at(s, e)) is not None]
    time_tokens = {i for lo, hi, _ in spans for i in range(lo, hi + 1)}
    ctx = _Ctx(p, people, time_tokens)
    frames = _frames(p)
    when = _share_sentence_time(p, frames, spans, _assign_times(p, frames, spans))
    return [_event(ctx, f, when.get(n)) for n, f in enumerate(frames)]


def _share_sentence_time(p: Parse, frames: Sequence[_Frame],
                         spans: Sequence[tuple[int, int, TimeValue]],
                         when: dict[int, TimeValue]) -> dict[int, TimeValue]:
    """A sentence with one time expression dates all its events.

    "My grandmother taught me to bake bread when I was seven": the parse hangs the time on
    "bake", but the teaching happened then too. With two or more times in a sentence the
    attachment from the parse stands.
    """
    per_sentence: dict[int, list[TimeValue]] = {}
    for lo, _, value in spans:
        per_sentence.setdefault(p.sent[lo], []).append(value)
    out = dict(when)
    for n, f in enumerate(frames):
        values = per_sentence.get(p.sent[f.pred], [])
        if n not in out and len(values) == 1:
            out[n] = values[0]
    return out


def _event(ctx: _Ctx, f: _Frame, time: TimeValue | None) -> Event:
    p = ctx.p
    kids = _kids(p, f)
    agent = _agent(p, f, kids)
    patient = next((c for c in kids if p.dep[c] in ("dobj", "nsubjpass")), None)
    place = _place(ctx, kids)
    participants = _participants(ctx, kids)
    modality = f.modality or _aux_modality(p, f)
    lo, hi = p.sents[p.sent[f.pred]]
    if modality is None and "?" in p.text[lo:hi]:
        modality = "question"
    negated = _negated(p, f)
    prt = next((c for c in p.children[f.pred] if p.dep[c] == "prt" or (
        c == f.pred + 1 and p.dep[c] == "advmod" and p.lower[c] in _PARTICLES)), None)
    predicate = p.lemma[f.pred].lower() + (f" {p.lower[prt]}" if prt is not None else "")
    infinitive = p.tag[f.pred] == "VB" and f.head == f.pred and any(
        p.tag[c] == "TO" for c in p.children[f.pred])
    feats = {
        "past": float(_past(p, f)),
        "action": float(p.lemma[f.pred] not in narrative.STATIVE),
        "known_agent": float(agent is not None and (p.lower[agent] in ("i", "we")
                                                    or agent in ctx.owner)),
        "time": float(time is not None),
        "place": float(place is not None),
        "participants": float(bool(participants)),
        "negated": float(negated),
        "modal": float(modality not in (None, "habitual", "question")),
        "question": float(modality == "question"),
        "infinitive": float(infinitive),
    }
    return Event(
        text=_clause_text(p, f), predicate=predicate,
        agent=ctx.phrase(agent) if agent is not None else None,
        patient=ctx.phrase(patient) if patient is not None else None,
        participants=participants, place=place, time=time.text if time else None,
        time_value=time, negated=negated, modality=modality,
        score=narrative.score(feats), sentence=p.sent[f.pred],
    )


def timeline(events: Iterable[Event]) -> list[Event]:
    """Events in story order: dated first by date, then by age, then undated, by sentence."""
    undated = (3, 0, 0)
    return sorted(events, key=lambda e: (e.time_value.sort_key if e.time_value else undated,
                                         e.sentence))
