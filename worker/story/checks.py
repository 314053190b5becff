"""Is this sentence grounded in what the user told? One gate for every delivered sentence.

A sentence passes when:

- it is a whole sentence: three words or more, a finite verb, final punctuation, and it
  does not stop on "and", "the", "of";
- it carries no prompt or instruction text, and no list residue ("3.", "Here's", "Let me");
- every word is a word: in the engine's English lexicon (pyspellchecker's) or one the user
  used;
- every name in it (capitalised word after the first, spaCy PERSON, GPE, LOC, FAC, ORG,
  NORP) is one the user used;
- against the told sentence it retells: the same numbers, the same negations, the same
  people in the same person ("you" stays "you"), no content word (noun, verb, adjective)
  the user never used but for at most one close paraphrase (the packaged MiniLM), and the
  same meaning by MiniLM similarity;
- it never gives a known person another relation ("your sister Ana" when Ana is a cousin).

The engine runs it on the model's rephrasings (a failing one is never used) and, as a last
gate, on every sentence it is about to deliver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nlu.people import RELATIONS
from worker.story.anchors import words

CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "PROPN"})
NAME_LABELS = frozenset({"PERSON", "GPE", "LOC", "FAC", "ORG", "NORP"})
WHEN_WHERE = frozenset({"DATE", "TIME"}) | NAME_LABELS
NEGATIONS = frozenset({"not", "n't", "never", "no", "nobody", "nothing", "nowhere", "none"})
NUMBER_WORDS = frozenset(str.split(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand first second third fourth fifth once twice"))
PERSON_WORDS = {
    "you": "2", "your": "2", "yours": "2", "yourself": "2", "yourselves": "2",
    "i": "1", "me": "1", "my": "1", "mine": "1", "myself": "1",
    "we": "1p", "us": "1p", "our": "1p", "ours": "1p",
    "he": "he", "him": "he", "his": "he", "himself": "he",
    "she": "she", "her": "she", "hers": "she", "herself": "she",
    "they": "they", "them": "they", "their": "they", "theirs": "they",
}
_META = re.compile(
    r"\b(here'?s|here is|let me|for example|an example|sentence|paragraph|rewrite|rewritten|"
    r"original|as an ai|assistant|user:|memoir writer|story so far|the next part|"
    r"part \d+|step \d+|in summary|note:)\b|(?:^|[.!?]\s+)the end\W*$|^\s*\d{1,2}\s*[.)]\s|"
    r"(^|[.!?:]\s*)\d{1,2}\s*[.)]?\s*$|"
    r"[#*_\[\]{}<>|=]|\b(https?|www)\b", re.I)
_ENDS_BADLY_POS = frozenset({"CCONJ", "ADP", "DET", "SCONJ"})
# A paraphrase word counts as told when MiniLM puts it this close to a told content word.
PARAPHRASE_SIMILARITY = 0.72
# A rephrasing must mean what the told sentence means (MiniLM cosine).
MEANING_SIMILARITY = 0.83


@lru_cache(maxsize=1)
def lexicon() -> Any:
    """The engine's English word list (pyspellchecker's dictionary, MIT)."""
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


@dataclass
class Grounding:
    """What the user told: their words and lemmas, the names they used, their people."""

    words: set[str] = field(default_factory=set)  # lower-case surface forms
    lemmas: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # lower-case words of names they used
    names_cased: set[str] = field(default_factory=set)  # the same, as they wrote them
    relations: dict[str, str] = field(default_factory=dict)  # person name (lower) -> relation
    people: list[str] = field(default_factory=list)  # the profile's people, for moderation
    extra: set[str] = field(default_factory=set)  # the engine's own bridge and tone words

    @classmethod
    def of(cls, docs: Iterable[Any], names: Iterable[str] = (),
           relations: dict[str, str] | None = None, extra: Iterable[str] = ()) -> Grounding:
        """From parsed turns, the profile's names and relations, and the bridge vocabulary."""
        g = cls(relations=dict(relations or {}), extra={w.lower() for w in extra})
        for doc in docs:
            for tok in doc:
                if tok.is_alpha or tok.like_num:
                    g.words.add(tok.lower_)
                    g.lemmas.add(tok.lemma_.lower())
                    if tok.text[:1].isupper() and not tok.is_sent_start:
                        g.names.add(tok.lower_)
                        g.names_cased.add(tok.text)
        g.people = list(names)
        for name in names:
            g.names.update(words(name))
            g.names_cased.update(w for w in name.split() if w[:1].isupper())
        return g

    def knows(self, tok: Any) -> bool:
        low, lemma = tok.lower_, tok.lemma_.lower()
        return low in self.words or lemma in self.lemmas or low in self.extra or lemma in (
            self.extra)


@dataclass(frozen=True)
class Verdict:
    """A sentence's check: why it fails (empty: it passes)."""

    reasons: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.reasons


def _tenses(doc: Any) -> set[str]:
    """The tenses of a sentence's finite verbs: past, present."""
    return {"past" if t.tag_ == "VBD" else "present" for t in doc
            if t.tag_ in ("VBD", "VBZ", "VBP")}


def _numbers(doc: Any) -> list[str]:
    """Every number said, as often as said ("in 1950 ... in 1950" is one year twice)."""
    return sorted(t.lower_ for t in doc if t.like_num or t.lower_ in NUMBER_WORDS)


def _counted(doc: Any) -> list[tuple[str, str]]:
    """What each number counts: the noun just after it, if any ("2000" a year, "2000 years"
    a span: "it was 2000 and I was 16" must not become "It was 2000 years ago")."""
    out = []
    for t in doc:
        if t.like_num or t.lower_ in NUMBER_WORDS:
            nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
            out.append((t.lower_, nxt.lemma_.lower() if nxt is not None and nxt.pos_ == "NOUN"
                        else ""))
    return sorted(out)


def _negations(doc: Any) -> int:
    return sum(1 for t in doc if t.lower_ in NEGATIONS)


def _prepositions(doc: Any) -> set[str]:
    return {t.lower_ for t in doc if t.pos_ == "ADP" and t.lower_ != "of"}


def _persons(doc: Any) -> set[str]:
    return {PERSON_WORDS[t.lower_] for t in doc if t.lower_ in PERSON_WORDS}


def _doers(doc: Any) -> dict[str, set[str]]:
    """Each verb's lemma -> the words of its subjects ("you helped her" -> help: {you})."""
    out: dict[str, set[str]] = {}
    for tok in doc:
        if tok.dep_ == "nsubj" and tok.head.pos_ in ("VERB", "AUX"):
            out.setdefault(tok.head.lemma_.lower(), set()).update(
                t.lower_ for t in tok.subtree)
    return out


def _doer_changed(doc: Any, source: Any) -> bool:
    """A verb told of someone now done by someone else ("you helped her" -> "she helped
    you"): the rewording's subject must be a word of the told subject."""
    told = _doers(source)
    return any(verb in told and not words & told[verb]
               for verb, words in _doers(doc).items())


def _content_counts(doc: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in doc:
        if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ") and t.is_alpha:
            out[t.lemma_.lower()] = out.get(t.lemma_.lower(), 0) + 1
    return out


def _repeated(doc: Any, source: Any) -> bool:
    """A content word said more often than told ("At a hospital there, you worked nights at
    a hospital.")."""
    told = _content_counts(source)
    return any(n > max(1, told.get(w, 0)) for w, n in _content_counts(doc).items())


def _object_lost(doc: Any, source: Any) -> bool:
    """A pronoun the told sentence acted on ("you rode it") that the rewording drops."""
    kept = {t.lower_ for t in doc}
    return any(t.pos_ == "PRON" and t.dep_ in ("dobj", "iobj", "pobj", "dative")
               and t.lower_ not in kept for t in source)


def whole(doc: Any) -> list[str]:
    """Why a parsed sentence is not a whole sentence (empty when it is)."""
    reasons = []
    tokens = [t for t in doc if not t.is_space]
    alpha = [t for t in tokens if t.is_alpha]
    if len(alpha) < 3:
        reasons.append("too short")
    # "... with Jan." ends on the token "Jan." (spaCy reads an abbreviation)
    if not tokens or not (tokens[-1].text in ("!", "?", "\"", "\u201d")
                          or tokens[-1].text.endswith(".")):
        reasons.append("unfinished")
    if not any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") for t in tokens):
        reasons.append("no finite verb")
    last = [t for t in tokens if not t.is_punct]
    if last and (last[-1].pos_ in _ENDS_BADLY_POS or last[-1].dep_ == "poss"
                 or last[-1].lower_ in ("the", "a", "an")) and not _stranded(last[-1], tokens):
        reasons.append("stops mid-sentence")
    return reasons


def _stranded(tok: Any, tokens: Sequence[Any]) -> bool:
    """A preposition left at the end by a 'what' or a relative clause: "to ask what they
    were there for", "the house I grew up in", "to guess the price finally agreed upon"."""
    if tok.tag_ != "IN" or any(c.dep_ == "pobj" and c.i > tok.i for c in tok.children):
        return False
    if any(t.tag_ in ("WDT", "WP", "WRB") or t.dep_ == "relcl" for t in tokens):
        return True
    head = tok.head  # a clause inside the sentence whose verb the preposition ends
    return head.pos_ == "VERB" and head.i < tok.i and head.tag_ in ("VBN", "VBD") and (
        head.dep_ in ("acl", "ccomp", "relcl"))


def _not_theirs(found: str, g: Grounding) -> bool:
    """Prompt words the user never wrote ('sentence' in "he got a life sentence" is theirs,
    as is "the original house"); marks and list numbers are never theirs."""
    said = re.findall(r"[a-z']+", found.lower())
    if said == ["the", "end"]:
        return True  # "The end." closing a story: only ever the model's
    return not said or not all(w in g.words for w in said)


def surface(doc: Any, g: Grounding) -> list[str]:
    """Why a sentence could not be shown to anyone: prompt text, non-words, strange names."""
    reasons = []
    if any(_not_theirs(m.group(0), g) for m in _META.finditer(doc.text)):
        reasons.append("prompt or list text")
    lex = lexicon()
    for tok in doc:
        low = tok.lower_
        if tok.is_alpha and len(low) > 1 and low not in g.words and low not in lex and (
                low not in g.extra and low not in g.names):  # "Pillay", named messages before
            reasons.append(f"non-word {tok.text!r}")
            break
    for tok in doc:
        if tok.is_alpha and tok.text[:1].isupper() and tok.i > doc[0].i and tok.text != "I" and (
                tok.lower_ not in g.names and tok.lower_ not in g.extra):
            reasons.append(f"name never told {tok.text!r}")
            break
    for ent in doc.ents:
        if ent.label_ in NAME_LABELS and any(w not in g.names and w not in g.words
                                             for w in words(ent.text)):
            reasons.append(f"name never told {ent.text!r}")
            break
    return reasons


def relation_clash(doc: Any, g: Grounding) -> list[str]:
    """'your sister Ana' when the user said Ana is their cousin."""
    tokens = [t.lower_ for t in doc]
    for i, low in enumerate(tokens[1:], 1):
        known = g.relations.get(low)
        said = RELATIONS.get(tokens[i - 1])  # "grandpa" is the relation "grandfather"
        if known and said and said[0] != RELATIONS.get(known, (known,))[0]:
            return [f"relation of {doc[i].text!r} contradicts the profile"]
    return []




def check(doc: Any, g: Grounding) -> Verdict:
    """The checks any delivered sentence must pass, whatever it retells."""
    return Verdict(tuple(whole(doc) + surface(doc, g) + relation_clash(doc, g)))


@dataclass
class Rephrasing:
    """Compares a rephrasing with the sentence it retells (MiniLM for meaning)."""

    grounding: Grounding
    embed: Any  # Callable[[Sequence[str]], np.ndarray]: unit vectors

    def unsupported(self, doc: Any, source: Any) -> list[str]:
        """Content words of doc neither in its source, nor told, nor close to a told word."""
        own = {t.lemma_.lower() for t in source} | {t.lower_ for t in source}
        out = []
        for tok in doc:
            if tok.pos_ not in CONTENT_POS or not tok.is_alpha:
                continue
            low, lemma = tok.lower_, tok.lemma_.lower()
            if low in own or lemma in own or self.grounding.knows(tok):
                continue
            out.append(low)
        return out

    def judge(self, docs: Sequence[Any], sources: Sequence[Any]) -> list[Verdict]:
        """A verdict for each rephrasing against the told sentence it retells."""
        verdicts = [list(check(d, self.grounding).reasons) for d in docs]
        for reasons, doc, source in zip(verdicts, docs, sources, strict=True):
            if _numbers(doc) != _numbers(source):
                reasons.append("numbers changed")
            elif _counted(doc) != _counted(source):
                reasons.append("what a number counts changed")
            if _negations(doc) != _negations(source):
                reasons.append("negation changed")
            if not _persons(doc) <= _persons(source):
                reasons.append("someone else is speaking or spoken of")
            if not _prepositions(doc) <= _prepositions(source):
                reasons.append("where or when changed")
            if _doer_changed(doc, source):
                reasons.append("who did it changed")
            if not _tenses(doc) <= _tenses(source):
                reasons.append("tense changed")  # "Fire brigade came." -> "Fire brigades come."
            if not any(t.pos_ in ("VERB", "AUX") and t.dep_ == "ROOT" for t in doc):
                # "At the school near the harbour, where you learned German."
                reasons.append("no main verb")
            if _object_lost(doc, source):
                reasons.append("leaves out what it was done to")  # "To the lake, you rode."
        todo = [i for i, r in enumerate(verdicts) if not r]
        if todo:
            self._meaning(todo, docs, sources, verdicts)
        return [Verdict(tuple(r)) for r in verdicts]

    def _meaning(self, todo: list[int], docs: Sequence[Any], sources: Sequence[Any],
                 verdicts: list[list[str]]) -> None:
        new = {i: self.unsupported(docs[i], sources[i]) for i in todo}
        told = {i: [t.lower_ for t in sources[i] if t.pos_ in CONTENT_POS and t.is_alpha
                    and t.lemma_.lower() not in ("be", "have", "do")] for i in todo}
        texts = [docs[i].text for i in todo] + [sources[i].text for i in todo]
        vocab = sorted({w for i in todo for w in new[i] + told[i]})
        vecs = self.embed(texts + vocab)
        n = len(todo)
        at = {w: 2 * n + k for k, w in enumerate(vocab)}
        for k, i in enumerate(todo):
            if float(vecs[k] @ vecs[n + k]) < MEANING_SIMILARITY:
                verdicts[i].append("meaning changed")
                continue
            kept = {t.lemma_.lower() for t in docs[i]} | {t.lower_ for t in docs[i]}
            gone = [t for t in sources[i] if t.pos_ in CONTENT_POS and t.is_alpha
                    and t.lower_ not in kept and t.lemma_.lower() not in kept]
            # one word may go ("the old car" -> "the car"), but not a when or a where
            # ("every morning", "on Sundays", "in Porto": the facts a memory hangs on), nor
            # a verb (", you still use them": something done), nor a thing ("a sweet shop
            # on your street" -> "a sweet shop": the street was told)
            if len(gone) > 1 or any(t.ent_type_ in WHEN_WHERE or t.pos_ in ("VERB", "NOUN",
                                                                           "PROPN")
                                    for t in gone):
                verdicts[i].append(f"leaves out {', '.join(t.lower_ for t in gone)}")
                continue
            if _repeated(docs[i], sources[i]):
                verdicts[i].append("says a thing twice")
                continue
            far = [w for w in new[i]
                   if not told[i] or max(float(vecs[at[w]] @ vecs[at[t]]) for t in told[i])
                   < PARAPHRASE_SIMILARITY]
            if far or len(new[i]) > 1:
                verdicts[i].append(f"words never told: {', '.join(new[i])}")
