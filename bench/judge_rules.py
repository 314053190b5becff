"""The judge's plain-text rules: prompt and list residue, and what makes a sentence a paste.

Written for the judge (bench/judge.py) without reading the engine's own filters, so that
the two do not share blind spots. Nothing here loads a model.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_I = re.IGNORECASE
_MULTI = re.IGNORECASE | re.MULTILINE
# (label, pattern): text a chat assistant, a prompt or a list leaves in an installment
META_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("here is", re.compile(r"\bhere(?:'s|’s| is| are)\b", _I)),
    ("let me", re.compile(r"(?:^|[.!?]\s+)let me\b|\blet me (?:give|show|tell|explain|know|"
                          r"try|write|start|begin|think|see|help you)\b", _MULTI)),
    ("example", re.compile(r"\b(?:examples?|e\.g\.|for instance)\b", _I)),
    ("sentence", re.compile(r"\bsentences?\b", _I)),
    ("paragraph", re.compile(r"\bparagraphs?\b", _I)),
    ("step", re.compile(r"\b(?:step\s*\d+|each step|next step|following steps?|steps?:)",
                        _I)),
    ("rewrite", re.compile(r"\b(?:re-?writ\w*|rephras\w*|paraphras\w*|revis(?:e|ed|ion))\b",
                           _I)),
    ("as an ai", re.compile(r"\b(?:as an ai|language model|ai assistant|chatbot)\b", _I)),
    ("role label", re.compile(r"\b(?:user|assistant|system|narrator|human|bot)\s*:", _I)),
    ("field label", re.compile(r"\b(?:title|tone|summary|output|answer|question|note|"
                               r"instructions?|prompt|response|story|memory|memories|"
                               r"chapter \w+|part \w+)\s*:", _I)),
    ("memoir", re.compile(r"\b(?:memoir|autobiograph\w*)\b", _I)),
    ("story so far", re.compile(r"\b(?:story so far|the story continues|continue the story|"
                                r"next installment|installments?|in this story|"
                                r"to be continued|the end\s*[.!]?\s*$)", _MULTI)),
    ("instruction", re.compile(r"\b(?:instructions?|the user|the prompt|point of view|"
                               r"word count|in the style of)\b", _I)),
    ("assistant talk", re.compile(r"\b(?:i hope (?:this|you enjoy)|feel free|let me know|"
                                  r"sure[!,]|certainly[!,]|happy to help|you made it!)", _I)),
    ("part N", re.compile(r"\bpart\s+(?:\d+|one|two|three|four|five|[ivx]+)\b", _I)),
    # a bare list number: "3." or "3)" or "(3)" standing alone, at a line or sentence start
    ("list number", re.compile(r"(?:^|[.!?:;]\s+|\n\s*)\(?\d{1,2}[.)]?(?=\s|$)", re.MULTILINE)),
    ("markdown", re.compile(r"^\s*(?:#{1,6}\s|[-*•]\s|>\s)|\*\*|__|```|^\s*(?:-{3,}|\*{3,})\s*$",
                            re.MULTILINE)),
    ("placeholder", re.compile(r"[\[\]{}<>]")),
)


STRUCTURAL = frozenset({"list number", "markdown", "placeholder"})


def meta_hits(text: str, told: str) -> list[str]:
    """Labels of META_PATTERNS found in text and not in what the user wrote themselves
    (the same words for a phrase; the same kind of mark for list numbers and markup)."""
    hits: list[str] = []
    for label, pattern in META_PATTERNS:
        if label in STRUCTURAL:
            if pattern.search(text) and not pattern.search(told):
                hits.append(label)
            continue
        for match in pattern.finditer(text):
            said = match.group(0).strip(" \n.!?:;")
            if not said or not re.search(re.escape(said), told, re.IGNORECASE):
                hits.append(label)
                break
    return hits


PERSONAL = frozenset([
    "i", "me", "my", "mine", "myself", "you", "your", "yours", "yourself", "yourselves",
    "he", "him", "his", "himself", "she", "her", "hers", "herself", "we", "us", "our",
    "ours", "ourselves", "they", "them", "their", "theirs", "themselves",
])
BE_FORMS = frozenset(["am", "is", "are", "was", "were"])
_CONTRACTIONS = (
    (re.compile(r"\b(i|you|we|they|he|she|it|that|there)(?:'|’)(m|re|s|ve|ll|d)\b"),
     r"\1 \2"),
    (re.compile(r"\b(\w+)n(?:'|’)t\b"), r"\1 not"),
)
_CONTRACTORS = frozenset(["i", "you", "we", "they", "he", "she", "it", "that", "there"])
_CONTRACTED = {"m": "am", "re": "are", "s": "is", "ve": "have", "ll": "will", "d": "would"}
PLACEHOLDER = "<who>"
BE = "<be>"
COPY_RATIO = 0.8


def copy_words(sentence: str, teller_names: frozenset[str] = frozenset()) -> list[str]:
    """A sentence as the copy test compares it: lower case, no punctuation, every person
    (pronouns and the teller's name) one placeholder, every am/is/are/was/were one token."""
    text = sentence.lower()
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    words = re.sub(r"[^\w\s]|_", " ", text).split()
    out: list[str] = []
    prev = ""
    for w in words:
        if prev in _CONTRACTORS:
            w = _CONTRACTED.get(w, w)
        prev = w
        if w in PERSONAL or w in teller_names:
            out.append(PLACEHOLDER)
        elif w in BE_FORMS:
            out.append(BE)
        else:
            out.append(w)
    return out


def is_copy(words: list[str], told: list[list[str]]) -> bool:
    """Whether a delivered sentence is a near-verbatim paste of one told sentence."""
    if not words:
        return False
    for other in told:
        matcher = SequenceMatcher(None, words, other, autojunk=False)
        if matcher.real_quick_ratio() >= COPY_RATIO and matcher.quick_ratio() >= COPY_RATIO \
                and matcher.ratio() >= COPY_RATIO:
            return True
    return False
