"""Events from the dependency parse: who did what, to whom, where and when, and did it happen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from nlu import narrative
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
               "outside", "inside", "away"}
_PLACE_ENTS = {"GPE", "LOC", "FAC"}
_PERSONISH = {"PERSON", "NORP"}
_PRONOUNS = {"i", "me", "we", "us", "you", "he", "him", "she", "her", "they", "them"}
_NP_LEFT = {"det", "poss", "compound", "amod", "nummod", "quantmod", "nmod", "predet", "case"}
_NP_RIGHT = {"compound", "flat", "nummod", "appos"}
_CLAUSE_CUT = {"conj", "cc", "parataxis", "ccomp", "advcl", "punct", "relcl", "mark"}


@dataclass
class _Frame:
    pred: Token  # the content verb ("go" in "I want to go")
    head: Token  # the clause head carrying subject, aux and negation ("want")
    modality: str | None


def _is_matrix(tok: Token) -> bool:
    return tok.lemma_ in MATRIX and any(
        c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX") for c in tok.children
    )


def _frames(sent: Span) -> list[_Frame]:
    frames = []
    for tok in sent:
        if tok.dep_ in ("amod", "aux", "auxpass") or _is_matrix(tok):
            continue
        be_place = tok.lemma_ == "be" and tok.dep_ in ("ROOT", "conj") and any(
            c.dep_ == "prep" and c.lower_ in _PLACE_PREPS for c in tok.children)
        if tok.pos_ != "VERB" and not be_place:
            continue
        head, modality = tok, None
        if tok.dep_ == "xcomp" and _is_matrix(tok.head):
            head, modality = tok.head, MATRIX[tok.head.lemma_]
            if head.lemma_ == "go" and head.tag_ == "VBG":
                modality = "future"
        frames.append(_Frame(pred=tok, head=head, modality=modality))
    return frames


def _aux_modality(frame: _Frame) -> str | None:
    for tok in (frame.pred, frame.head):
        for c in tok.children:
            if c.dep_ == "aux" and c.lower_ in _MODALS:
                return _MODALS[c.lower_]
            if c.dep_ == "mark" and c.lower_ in ("if", "unless"):
                return "conditional"
    if frame.head.lemma_ == "go" and frame.head.tag_ == "VBG" and frame.pred is not frame.head:
        return "future"
    return None


def _negated(frame: _Frame) -> bool:
    for tok in {frame.pred, frame.head}:
        for c in tok.children:
            if c.dep_ == "neg" or (c.lower_ in _NEG_WORDS and c.dep_ in ("advmod", "nsubj",
                                                                        "dobj", "det")):
                return True
    return False


def _past(frame: _Frame) -> bool:
    toks = [frame.pred, frame.head]
    auxes = [c for t in toks for c in t.children if c.dep_ in ("aux", "auxpass")]
    if any(t.tag_ == "VBD" for t in toks + auxes):
        return True
    return frame.pred.tag_ == "VBN" and any(a.lemma_ == "have" for a in auxes)


class _Ctx:
    """Per-doc lookups shared by the argument readers."""

    def __init__(self, doc: Doc, people: PeopleResult | None, time_tokens: set[int]):
        self.doc = doc
        self.owner = people.token_person if people else {}
        self.displays = people.displays if people else []
        self.time_tokens = time_tokens

    def phrase(self, tok: Token) -> str:
        """Noun-phrase text for tok (with its conjuncts); a resolved pronoun becomes the name."""
        if tok.lower_ in _PRONOUNS and tok.i in self.owner:
            return self.displays[self.owner[tok.i]]
        lo, hi = self._np(tok)
        for conj in tok.conjuncts:
            if conj.i > tok.i:
                hi = max(hi, self._np(conj)[1])
        return self.doc[lo:hi + 1].text

    def _np(self, tok: Token) -> tuple[int, int]:
        lo = min([tok.i] + [c.left_edge.i for c in tok.lefts if c.dep_ in _NP_LEFT])
        hi = max([tok.i] + [c.right_edge.i for c in tok.rights if c.dep_ in _NP_RIGHT])
        who = self.owner.get(tok.i)
        if who is not None:  # a person's full mention, even where the parse split it
            while lo > 0 and self.owner.get(lo - 1) == who and self.doc[lo - 1].lower_ not in (
                    _PRONOUNS):
                lo -= 1
            while hi + 1 < len(self.doc) and self.owner.get(hi + 1) == who:
                hi += 1
        return lo, hi

    def is_person(self, tok: Token) -> bool:
        return tok.i in self.owner or tok.ent_type_ in _PERSONISH or tok.lower_ in _PRONOUNS


def _children(frame: _Frame) -> list[Token]:
    seen = {frame.pred.i}
    kids = list(frame.pred.children)
    if frame.head is not frame.pred:
        kids += [c for c in frame.head.children if c.i not in seen and c is not frame.pred]
    return kids


def _agent(frame: _Frame, kids: list[Token]) -> Token | None:
    for c in kids:
        if c.dep_ in ("nsubj", "csubj"):
            return c
    for c in kids:
        if c.dep_ == "agent":
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    head = frame.head
    if head.dep_ == "conj" and head.head.pos_ in ("VERB", "AUX"):
        return next((c for c in head.head.children if c.dep_ == "nsubj"), None)
    # Small-model parse errors put a sentence-initial name under npadvmod ("Tom ... called").
    return next((c for c in kids if c.dep_ == "npadvmod" and c.ent_type_ == "PERSON"
                 and c.i < frame.head.i), None)


def _place(ctx: _Ctx, kids: list[Token]) -> str | None:
    named: list[str] = []
    plain: list[str] = []
    for c in kids:
        if c.dep_ in ("advmod", "npadvmod") and c.lower_ in _PLACE_ADVS:
            plain.append(c.text)
        if c.dep_ == "dobj" and c.ent_type_ in _PLACE_ENTS:
            named.append(ctx.phrase(c))
        if c.dep_ != "prep" or c.lower_ not in _PLACE_PREPS:
            continue
        for obj in (g for g in c.children if g.dep_ == "pobj" and g.i not in ctx.time_tokens):
            inner = [g2 for p in obj.children if p.dep_ == "prep" for g2 in p.children
                     if g2.dep_ == "pobj" and g2.ent_type_ in _PLACE_ENTS]
            named += [ctx.phrase(o) for o in inner]
            if obj.ent_type_ in _PLACE_ENTS:
                named.append(ctx.phrase(obj))
            elif obj.lemma_.lower() in PLACE_NOUNS and not ctx.is_person(obj):
                plain.append(ctx.phrase(obj))
    found = named or plain
    return found[0] if found else None


def _participants(ctx: _Ctx, kids: list[Token]) -> list[str]:
    out = []
    for c in kids:
        if c.dep_ == "dative":
            out.append(ctx.phrase(c))
        if c.dep_ == "prep" and c.lower_ in ("with", "alongside", "to", "for", "without"):
            for obj in (g for g in c.children if g.dep_ == "pobj"):
                if c.lower_ in ("with", "alongside") or ctx.is_person(obj):
                    out.append(ctx.phrase(obj))
    return out


def _clause_text(frame: _Frame) -> str:
    head = frame.head
    cut = {t.i for c in head.children if c.dep_ in _CLAUSE_CUT for t in c.subtree}
    idx = [t.i for t in head.subtree if t.i not in cut] or [head.i]
    return head.doc[min(idx):max(idx) + 1].text


def _assign_times(doc: Doc, frames: Sequence[_Frame], times: Iterable[tuple[int, int, TimeValue]]
                  ) -> dict[int, TimeValue]:
    """Attach each time expression to the predicate it modifies (walking up the parse)."""
    by_token: dict[int, int] = {}
    for n, f in enumerate(frames):
        by_token.setdefault(f.head.i, n)
        by_token.setdefault(f.pred.i, n)
    out: dict[int, TimeValue] = {}
    for start, end, value in times:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or not frames:
            continue
        tok, target = span.root, None
        for _ in range(len(doc)):
            if tok.i in by_token and not (span.start <= tok.i < span.end):
                target = by_token[tok.i]
                break
            if tok.head is tok:
                break
            tok = tok.head
        if target is None:
            same = [n for n, f in enumerate(frames) if f.pred.sent.start == span.sent.start]
            if not same:
                continue
            target = min(same, key=lambda n: abs(frames[n].pred.i - span.start))
        out.setdefault(target, value)
    return out


def extract_events(doc: Doc, times: Sequence[tuple[int, int, TimeValue]] = (),
                   people: PeopleResult | None = None) -> list[Event]:
    """Events in doc, one per content predicate, with arguments, time, negation and score."""
    if not doc.has_annotation("DEP"):
        return []
    time_tokens: set[int] = set()
    for start, end, _ in times:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            time_tokens.update(range(span.start, span.end))
    ctx = _Ctx(doc, people, time_tokens)
    frames, sent_of = [], []
    for n, sent in enumerate(doc.sents):
        for f in _frames(sent):
            frames.append(f)
            sent_of.append(n)
    when = _assign_times(doc, frames, times)
    return [_event(ctx, f, sent_of[n], when.get(n)) for n, f in enumerate(frames)]


def _event(ctx: _Ctx, frame: _Frame, sentence: int, time: TimeValue | None) -> Event:
    kids = _children(frame)
    agent = _agent(frame, kids)
    patient = next((c for c in kids if c.dep_ in ("dobj", "nsubjpass")), None)
    place = _place(ctx, kids)
    participants = _participants(ctx, kids)
    modality = frame.modality or _aux_modality(frame)
    if modality is None and frame.pred.sent.text.rstrip().endswith("?"):
        modality = "question"
    negated = _negated(frame)
    feats = {
        "past": float(_past(frame)),
        "action": float(frame.pred.lemma_ not in narrative.STATIVE),
        "known_agent": float(agent is not None and (agent.lower_ in ("i", "we")
                                                    or agent.i in ctx.owner)),
        "time": float(time is not None),
        "place": float(place is not None),
        "participants": float(bool(participants)),
        "negated": float(negated),
        "modal": float(modality not in (None, "habitual", "question")),
        "question": float(modality == "question"),
    }
    return Event(
        text=_clause_text(frame), predicate=frame.pred.lemma_.lower(),
        agent=ctx.phrase(agent) if agent is not None else None,
        patient=ctx.phrase(patient) if patient is not None else None,
        participants=participants, place=place, time=time.text if time else None,
        time_value=time, negated=negated, modality=modality,
        score=narrative.score(feats), sentence=sentence,
    )


def timeline(events: Iterable[Event]) -> list[Event]:
    """Events in story order: dated first by date, then by age, then undated, by sentence."""
    undated = (3, 0, 0)
    return sorted(events, key=lambda e: (e.time_value.sort_key if e.time_value else undated,
                                         e.sentence))
