"""Retelling one told sentence in the story's voice, deterministically, from its parse.

The user says "I was seven when we moved to Porto." The story says "You were seven when
you moved to Porto." (second person), "Ana was seven when they moved to Porto." (third),
or, in the present tense, "You are seven when you move to Porto." Pronouns change with
the point of view and every verb whose subject changed person agrees with it ("I was" ->
"you were", "I have" -> "Ana has", "I go" -> "she goes"). Nothing is added or dropped but
the conversational filler around what was told ("well,", "haha", "you know").

Works on a spaCy ``Span`` (one sentence of a parsed turn) with tags, morphology and a
dependency parse: en_core_web_sm, the pipeline the NLU stage runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from worker.store.records import Pov, Tense

FIRST_SINGULAR = {"i", "me", "my", "mine", "myself"}
FIRST_PLURAL = {"we", "us", "our", "ours", "ourselves"}
FIRST = FIRST_SINGULAR | FIRST_PLURAL
_SECOND = {"i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
           "we": "you", "us": "you", "our": "your", "ours": "yours", "ourselves": "yourselves"}
_THEY = {"i": "they", "me": "them", "my": "their", "mine": "theirs", "myself": "themselves",
         "we": "they", "us": "them", "our": "their", "ours": "theirs",
         "ourselves": "themselves"}
_SHE = {"i": "she", "me": "her", "my": "her", "mine": "hers", "myself": "herself"}
_HE = {"i": "he", "me": "him", "my": "his", "mine": "his", "myself": "himself"}
# Words said to the listener, not part of the memory.
FILLERS = frozenset({"well", "so", "anyway", "anyways", "oh", "ah", "um", "uh", "hmm", "yeah",
                     "yes", "ok", "okay", "haha", "hahaha", "lol", "lmao", "honestly",
                     "basically"})
# Whole words only ("I meant to see all I could" had lost "I mean"), never "a kind of
# bread", "let you know" or "did you know".
_FILLER_PHRASES = re.compile(
    r"(?:(?<!\blet )(?<!\bdid )(?<!\bdo )(?<!\bif )\byou know\b|\bi mean\b|\bi guess\b|"
    r"(?<!\ba )(?<!\bthe )(?<!\bthis )(?<!\bthat )(?<!\bwhat )(?<!\bsome )(?<!\bany )"
    r"(?<!\bsame )(?<!\bone )\b(?:kind|sort) of\b|"
    r"\bto be honest\b|\btbh\b|\bhaha+\b|\blol\b|\blmao\b|:\)|:\(|:D|;\))[,]?\s*", re.I)


@dataclass(frozen=True)
class Voice:
    """How the story speaks of its teller: point of view, tense, and a name for the third."""

    pov: Pov = "second"
    tense: Tense = "past"
    name: str | None = None
    pronoun: str = "they"  # she, he or they: the teller after their name, in the third person
    # who "we" is, named at its first use as a subject ("you and your best friend Karim")
    companion: str | None = None


def third_singular(lemma: str) -> str:
    """The present third-person singular of a verb lemma: go -> goes, try -> tries."""
    irregular = {"be": "is", "have": "has", "do": "does", "go": "goes", "can": "can",
                 "will": "will", "must": "must", "may": "may", "shall": "shall",
                 "might": "might", "could": "could", "would": "would", "should": "should"}
    if lemma in irregular:
        return irregular[lemma]
    if re.search(r"(s|sh|ch|x|z|o)$", lemma):
        return lemma + "es"
    if re.search(r"[^aeiou]y$", lemma):
        return lemma[:-1] + "ies"
    return lemma + "s"


def _subject(tok: Any) -> Any | None:
    """The grammatical subject a verb agrees with (through aux, conj and relative heads)."""
    seen = 0
    while tok is not None and seen < 6:
        for child in tok.children:
            if child.dep_ in ("nsubj", "nsubjpass", "expl"):
                return child
        if tok.dep_ in ("aux", "auxpass", "conj", "xcomp") and tok.head is not tok:
            tok = tok.head
        else:
            return None
        seen += 1
    return None


def _person_of(subject: Any) -> str:
    """'1s', '1p', or 'other' for a subject token."""
    low = subject.lower_
    if low in FIRST_SINGULAR:
        return "1s"
    if low in FIRST_PLURAL:
        return "1p"
    return "other"


def _singular_third(subject: Any) -> bool:
    """True when a (non-teller) subject takes 'is'/'goes': he, she, it, a singular noun."""
    low = subject.lower_
    if low in ("he", "she", "it", "this", "that", "everyone", "nobody", "somebody"):
        return True
    if low in ("you", "they", "we", "these", "those"):
        return False
    return subject.tag_ in ("NN", "NNP") and not any(c.dep_ == "conj" for c in subject.children)


class Retelling:
    """One sentence being retold: which form each teller pronoun took, for agreement."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.named = False  # third person: the teller's name is used once per sentence
        self.forms: dict[int, str] = {}  # subject token index -> "1s" "1p" "2" "3s" "3p"
        self.accompanied = False  # the companion has been named for "we"

    def pronoun(self, tok: Any) -> str:
        """A first-person pronoun in the story's point of view (recording how it agrees)."""
        low = tok.lower_
        plural = low in FIRST_PLURAL
        pov, name = self.voice.pov, self.voice.name
        companion = self.voice.companion
        if companion and low == "we" and tok.dep_ in ("nsubj", "nsubjpass") and (
                pov == "second" or name) and not self.accompanied:
            self.accompanied = True  # "we took his uncle's car": who "we" were, once
            self.named = self.named or pov != "second"
            self.forms[tok.i] = "2" if pov == "second" else "3p"
            return f"{'you' if pov == 'second' else name} and {companion}"
        if pov == "second":
            self.forms[tok.i] = "2"
            return _SECOND[low]
        if name and not plural and not self.named and low != "myself":
            self.named = True
            self.forms[tok.i] = "3s"
            return name + "'s" if low in ("my", "mine") else name
        table = {"she": _SHE, "he": _HE}.get(self.voice.pronoun) if not plural else None
        if table is not None:
            self.forms[tok.i] = "3s"
            return table[low]
        self.forms[tok.i] = "3p"
        return _THEY[low]

    def form_of(self, subject: Any) -> str | None:
        """How a verb agrees with this subject, or None when its person did not change."""
        if subject.i in self.forms:
            return self.forms[subject.i]
        person = _person_of(subject)
        if person == "other":
            return None
        if self.voice.pov == "first":
            return person
        if self.voice.pov == "second":
            return "2"
        singular = person == "1s" and (self.voice.name or self.voice.pronoun != "they")
        return "3s" if singular else "3p"

    def verb(self, tok: Any, form: str | None, changed: bool) -> str:
        """A verb in the story's tense, agreeing with its subject when that changed person.

        form: the subject's person and number; changed: the subject was the teller (so the
        verb's person changed), else only a tense change may touch it."""
        lemma, tag, low = tok.lemma_.lower(), tok.tag_, tok.lower_
        present = self.voice.tense == "present"
        if low.startswith(("'", "\u2019")) and changed:
            return _contraction(low.replace("\u2019", "'"), _perfect(tok), form, present)
        if changed and low in ("shall", "sha") and self.voice.pov != "first":
            # "I shall never forget" is the teller's resolve: "you will never forget", never
            # the command "you shall"
            word = "will" if low == "shall" else "wo"
            return word.capitalize() if tok.text[:1].isupper() else word
        if lemma == "use" and tag == "VBD" and tok.nbor(1).lower_ == "to":
            return tok.text  # "used to" is a habit in the past, whatever the story's tense
        if lemma == "be" and tag in ("VBD", "VBZ", "VBP") and (changed or present):
            past = tag == "VBD" and not present
            form = form or ("3s" if low in ("was", "is") else "3p")
            if form == "1s":
                return "was" if past else "am"
            if form == "3s":
                return "was" if past else "is"
            return "were" if past else "are"
        if tag == "VBD" and present:
            return third_singular(lemma) if form == "3s" else lemma
        if tag in ("VBP", "VBZ") and changed:
            return third_singular(lemma) if form == "3s" else lemma
        return tok.text


def _perfect(tok: Any) -> bool:
    """True when a contracted 'd is 'had' (a participle follows), not 'would'."""
    for nxt in tok.doc[tok.i + 1: tok.i + 4]:
        if nxt.tag_ == "VBN":
            return True
        if nxt.pos_ in ("VERB", "AUX"):
            return False
    return False


def _contraction(low: str, perfect: bool, form: str | None, present: bool) -> str:
    """A contracted verb after a retold subject: "'m" -> "'re" (you), " is" (after a name)."""
    if low == "'d" and perfect:
        low = "'ve" if present else "'d"
        if form == "3s":
            return " has" if present else " had"
    if form == "3s":
        return {"'m": " is", "'ve": " has", "'ll": " will", "'d": " would"}.get(low, low)
    if form in ("2", "3p"):
        return "'re" if low == "'m" else low
    return low


def _agreement(tok: Any, retelling: Retelling) -> tuple[str | None, bool]:
    """(the subject form a verb agrees with, whether the subject was the teller)."""
    subj = _subject(tok)
    if subj is None:
        return None, False
    form = retelling.form_of(subj)
    if form is not None:
        return form, True
    if retelling.voice.tense == "present":
        return ("3s" if _singular_third(subj) else "3p"), False
    return None, False


def _is_verb(tok: Any) -> bool:
    return tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB") or tok.tag_ == "MD"


QUOTES = frozenset({'"', "\u201c", "\u201d"})
OPENING = frozenset({"\u201c"})


# What a family calls someone, used as a name ("Dad said"): the teller's own.
KIN_AS_NAME = frozenset({"Dad", "Mom", "Mum", "Mam", "Grandpa", "Grandma", "Granny", "Nana",
                         "Grandad", "Granddad", "Papa", "Mama"})
_POSSESSIVE = {"she": "her", "he": "his", "they": "their"}


def _mine(tok: Any) -> bool:
    """'mine' the parser took for a noun ("his mum fed me, mine taught him"), not a mine
    ("the mine", "a coal mine")."""
    return tok.lower_ == "mine" and not any(
        c.dep_ in ("det", "amod", "compound", "poss") for c in tok.children)


def retell_tokens(span: Any, voice: Voice) -> list[tuple[str, str]]:
    """(text, trailing whitespace) of each token of a sentence, retold."""
    r = Retelling(voice)
    out: list[tuple[str, str]] = []
    quoted = False  # words inside quotation marks are someone's own: never retold
    for tok in span:
        text = tok.text
        if text in QUOTES:
            quoted = text in OPENING or (text == '"' and not quoted)
        if quoted and text not in QUOTES:
            pass
        elif tok.lower_ in FIRST and (tok.pos_ in ("PRON", "DET") or _mine(tok)
                                      or tok.text == "us") and voice.pov != "first":
            # (a lower-case "us" the parser took for the country: "in us children")
            text = r.pronoun(tok)
        elif _is_verb(tok):
            text = r.verb(tok, *_agreement(tok, r))
        elif tok.text in KIN_AS_NAME and voice.pov != "first" and not (
                tok.i > span.start and tok.doc[tok.i - 1].dep_ in ("poss", "det")):
            # "Dad was a mechanic" is the teller's dad: "Your dad was a mechanic"
            owner = "your" if voice.pov == "second" else _POSSESSIVE.get(voice.pronoun, "their")
            text = f"{owner} {tok.lower_}"
        elif tok.text in KIN_AS_NAME:
            text = tok.lower_  # "my Dad" -> "your dad"
        if tok.lower_ == "n't" and out and out[-1][0].lower() == "am":
            text = " not"  # "I wasn't" told in the present: "I am not"
        if text.startswith(" "):  # an expanded contraction: "Ana" + " is"
            if out:
                out[-1] = (out[-1][0], " ")
            text = text[1:]
        out.append((text, tok.whitespace_))
    return out


def join(tokens: list[tuple[str, str]]) -> str:
    """Tokens back into text, with the first letter capitalised and 'i' as 'I'."""
    text = "".join(t + ws for t, ws in tokens).strip()
    text = re.sub(r"\bi\b", "I", text)
    return text[:1].upper() + text[1:] if text else text


# Contractions typed without their apostrophe, as an editor would set them.
_BARE_CONTRACTIONS = {
    "dont": "don't", "didnt": "didn't", "doesnt": "doesn't", "wouldnt": "wouldn't",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "cant": "can't", "isnt": "isn't",
    "wasnt": "wasn't", "werent": "weren't", "arent": "aren't", "havent": "haven't",
    "hasnt": "hasn't", "hadnt": "hadn't", "thats": "that's", "im": "I'm", "ive": "I've",
    "id": "I'd", "theyre": "they're", "youre": "you're", "shes": "she's", "hes": "he's",
}
_BARE = re.compile(r"\b(" + "|".join(_BARE_CONTRACTIONS) + r")\b", re.I)
_NUMBER_AFTER_LIKE = (r"\d|a (?:couple|few|dozen|hundred|thousand)\b|(?:two|three|four|five|six|"
                      r"seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|a hundred)\b")
# "we sold like 30 tacos": chat's "like" before a number is "about"
_LIKE_NUMBER = re.compile(
    r"(?<!\bi )(?<!\bwe )(?<!\byou )(?<!\bthey )(?<!\bhe )(?<!\bshe )(?<!\bto )(?<!\bd )"
    r"(?<!\bwould )(?<!\bdo )(?<!\bdid )(?<!\bnot )(?<!n't )(?<!\balso )(?<!\bstill )"
    r"(?<!\bjust )(?<!\breally )(?<!\balways )(?<!\bnever )\blike (?=" + _NUMBER_AFTER_LIKE + ")",
    re.I)


def _mend_contraction(m: re.Match[str]) -> str:
    word = m.group(0)
    fixed = _BARE_CONTRACTIONS[word.lower()]
    if word.lower() == "id" and word != "id":
        return word  # "ID" is a card, not "I'd"
    return fixed[:1].upper() + fixed[1:] if word[:1].isupper() else fixed


def strip_fillers(text: str) -> str:
    """The sentence without chat filler: leading 'well,'/'so', 'you know', 'haha', emoji;
    'dont' set as "don't", 'like 30' as 'about 30'."""
    text = _FILLER_PHRASES.sub("", text)
    text = re.sub(r"\s*,\s*(?=[.!?]|$)", "", re.sub(r",\s*,", ",", text))  # "scared,."
    text = _BARE.sub(_mend_contraction, text)
    text = _LIKE_NUMBER.sub("about ", text)
    text = re.sub(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]+", "", text)
    words = text.split()
    while words and words[0].lower().strip(",.!") in FILLERS and len(words) > 3:
        words = words[1:]
    text = " ".join(words)
    text = re.sub(r"([!?.])\1+", r"\1", text)  # "!!!" -> "!"
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    return text.strip(" ,")


def finish(text: str) -> str:
    """A sentence that ends as a sentence should."""
    text = text.strip().rstrip(",;:-")
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?\"\u201d" else text + "."


def retell(span: Any, voice: Voice) -> str:
    """One told sentence in the story's voice and tense."""
    return finish(join(retell_tokens(span, voice)))
