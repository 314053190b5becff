"""Measures of a draft: invented names, repetition, diversity.

Names are found with the spaCy pipeline the NLU stage uses (loaded once per
process): a PERSON, GPE, LOC or FAC entity is invented when it has a content
word the user never said (not a name, alias, relation or place in the
profile, nor a word of any life event they told).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from worker.profile.model import Profile
from worker.story.anchors import words

NAME_LABELS = ("PERSON", "GPE", "LOC", "FAC")
# Words that name a relation or are spaCy false positives, never a new person by themselves.
_GENERIC = frozenset(str.split(
    "grandma grandpa granny gran nana nan papa mama mom mum dad daddy mommy mummy father "
    "mother brother sister son daughter aunt auntie uncle cousin wife husband grandmother "
    "grandfather friend family baby boy girl teacher mr mrs ms miss dr doctor sir madam "
    "lord god you your i me my we our he she they them his her their it the a an of and "
    "in at on to old little big new saint st north south east west"
))
_SENTENCE = re.compile(r"(?<=[.!?\"”])\s+")


def sentences(text: str) -> list[str]:
    """A text split into sentences (enough for prose a model wrote)."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def known_vocabulary(profile: Profile, extra: Iterable[str] = ()) -> set[str]:
    """Every word the user used for people, places and events (lower case)."""
    vocab: set[str] = set()
    for p in profile.people:
        for n in (p.name, *p.aliases, p.relation or ""):
            vocab.update(words(n))
    for place in profile.places:
        vocab.update(words(place.name))
    for e in profile.events:
        vocab.update(words(" ".join(filter(None, (e.text, e.place, e.time, *e.participants)))))
    for text in extra:
        vocab.update(words(text))
    return vocab


def invented_in(doc: Any, known: set[str]) -> list[str]:
    """Named people and places in a parsed draft that the user never mentioned."""
    out: list[str] = []
    for ent in doc.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        content = [w for w in words(ent.text) if w not in _GENERIC and not w.isdigit()]
        if content and any(w not in known for w in content):
            out.append(ent.text.strip())
    return list(dict.fromkeys(out))


def invented_names(nlp: Any, texts: Sequence[str], known: set[str]) -> list[list[str]]:
    """Invented names per text, parsing all texts in one spaCy batch."""
    return [invented_in(doc, known) for doc in nlp.pipe(list(texts))]


def distinct_2(text: str) -> float:
    """Share of distinct word bigrams (1.0: no bigram repeats)."""
    tokens = words(text)
    grams = list(zip(tokens, tokens[1:], strict=False))
    return round(len(set(grams)) / len(grams), 4) if grams else 0.0


def _repeated_trigrams(tokens: list[str]) -> float:
    grams = list(zip(tokens, tokens[1:], tokens[2:], strict=False))
    if not grams:
        return 0.0
    counts = Counter(grams)
    return sum(c - 1 for c in counts.values()) / len(grams)


def _norm(sentence: str) -> str:
    return " ".join(words(sentence))


def copied_share(text: str, earlier: Iterable[str]) -> float:
    """Share of the text's sentences already written in earlier installments."""
    seen = {_norm(s) for t in earlier for s in sentences(t)}
    mine = [_norm(s) for s in sentences(text)]
    mine = [s for s in mine if len(s.split()) >= 4]
    return sum(s in seen for s in mine) / len(mine) if mine else 0.0


def repetition(text: str, earlier: Iterable[str] = ()) -> float:
    """The worse of: repeated word trigrams within the text, sentences copied from earlier."""
    return round(max(_repeated_trigrams(words(text)), copied_share(text, earlier)), 4)
