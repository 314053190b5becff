"""Retelling, not pasting: told sentences reshaped without a word that was not told.

Two moves a biographer makes with someone's own words, read off the parse:

- **fronting**: a time or a "when ..." clause at the end of a sentence moves to its head
  ("You moved to Lisbon when you were seven." -> "When you were seven, you moved to
  Lisbon."), which is also how the story marks time between moments;
- **joining**: two short sentences of one moment become one ("You loved the sea. You swam
  every day." -> "You loved the sea and swam every day.").

Both keep every told word, so they can never add a fact.
"""

from __future__ import annotations

import re
from typing import Any

from worker.story.retell import finish

_TEMPORAL_MARKS = frozenset({"when", "after", "before", "while", "once", "as", "since",
                             "until"})
_TIME_WORDS = frozenset(str.split(
    "sunday monday tuesday wednesday thursday friday saturday weekend weekends summer winter "
    "spring autumn fall morning mornings evening evenings night nights christmas easter "
    "year years day days week weeks month months school holidays childhood birthday "
    "january february march april may june july august september october november december"))
# A fronted part longer than this share of the sentence leaves too little behind.
MAX_FRONT_SHARE = 0.6
# Sentences at most this long may be joined, into one of at most JOIN_MAX words.
JOIN_EACH = 14
JOIN_MAX = 26
_KEEP_CASE = re.compile(r"^(I\b|I'|[A-Z][a-z]*[A-Z]|[A-Z]{2,})")


def lower_first(text: str, first: Any | None = None) -> str:
    """A sentence as it continues after a fronted part: 'You moved' -> 'you moved'."""
    if first is not None and (first.pos_ == "PROPN" or first.text == "I"):
        return text
    if _KEEP_CASE.match(text):
        return text
    return text[:1].lower() + text[1:]


# Words that measure the time phrase after them ("long before", "just after", "soon after")
_DEGREE = frozenset(str.split(
    "long shortly soon right just well immediately directly even only not ever straight"))


def _temporal(child: Any) -> bool:
    """A dependent of the main verb that says when: a 'when' clause, 'in 1998', 'every Sunday'."""
    if child.dep_ == "advcl":
        marks = [t for t in child.children if t.dep_ in ("mark", "advmod")]
        said = " ".join(t.lower_ for t in child.subtree)
        if said.startswith(("as it were", "as if", "as though", "as well")):
            return False  # "my baptism, as it were, into ...": a manner of speaking
        return any(m.lower_ in _TEMPORAL_MARKS for m in marks)
    if child.dep_ in ("prep", "npadvmod", "advmod"):
        sub = list(child.subtree)
        if any(t.ent_type_ in ("DATE", "TIME") for t in sub):
            return True
        return any(t.lower_ in _TIME_WORDS for t in sub) and child.dep_ != "advmod"
    return False


def front_time(sent: Any) -> str | None:
    """The sentence with its final time phrase or 'when' clause moved to the front, or None."""
    tokens = [t for t in sent if not t.is_space]
    if len(tokens) < 6 or tokens[0].dep_ in ("advmod", "prep", "mark", "npadvmod"):
        return None
    end = len(tokens) - 1 if tokens[-1].is_punct else len(tokens)
    root = sent.root
    last = tokens[end - 1].i
    if any(_temporal(c) for c in root.children if c.i < root.i):
        return None  # "The next morning we left ..." says when already
    # only a time of the main verb: "... and continued travelling all the day" is the
    # second verb's, and fronted it would be the whole sentence's
    closing = [t for t in sent if t.i > root.i and _temporal(t) and t.right_edge.i == last
               and t.head == root]
    if not closing:
        return None
    child = min(closing, key=lambda t: t.left_edge.i)  # the whole closing phrase
    span = sent.doc[child.left_edge.i: child.right_edge.i + 1]
    if len(span) > MAX_FRONT_SHARE * end:
        return None
    head = sent.doc[sent.start: span.start]
    if head[-1].lower_ in _DEGREE:
        return None  # "she was gone long before I knew": 'long' is the clause's
    rest = head.text.rstrip(" ,")
    if len(rest.split()) < 3:
        return None
    moved = span.text.strip(" ,")
    moved = moved[:1].upper() + moved[1:]
    return finish(f"{moved}, {lower_first(rest, head[0])}")


def _subject_first(sent: Any) -> Any | None:
    """The sentence's subject when it opens the sentence and is followed by its verb."""
    tokens = [t for t in sent if not t.is_space]
    if len(tokens) < 3:
        return None
    first = tokens[0]
    if first.dep_ in ("nsubj", "nsubjpass") and first.head == sent.root and tokens[1].i <= (
            sent.root.i) and first.pos_ in ("PRON", "PROPN"):
        return first
    return None


def join(a: Any, b: Any) -> str | None:
    """Two short parsed sentences of one moment as one, or None when they should stay apart."""
    wa, wb = len(a.text.split()), len(b.text.split())
    if wa > JOIN_EACH or wb > JOIN_EACH or wa + wb > JOIN_MAX:
        return None
    if a.text.rstrip()[-1:] in "!?" or "," in a.text and "," in b.text:
        return None
    left = a.text.strip().rstrip(".!")
    subject = _subject_first(b)
    first_a = _subject_first(a)
    if subject is not None and first_a is not None and subject.lower_ == first_a.lower_:
        rest = b.doc[subject.i + 1: b.end].text.strip()
        return finish(f"{left} and {rest}")
    right = b.text.strip()
    if b[0].pos_ == "CCONJ":  # "It was only October." + "And you wore two jumpers."
        return finish(f"{left}, {lower_first(right, b[0])}")
    return finish(f"{left}, and {lower_first(right, b[0])}")


def split_clauses(sent: Any) -> list[str] | None:
    """A long sentence of two whole clauses joined by 'and'/'but'/'so' as two sentences
    ("You moved to Porto in 1998, and you cried on the train." -> two), or None."""
    tokens = [t for t in sent if not t.is_space]
    if len(tokens) < SPLIT_MIN:
        return None
    root = sent.root
    for conj in root.children:
        if conj.dep_ != "conj" or conj.i < root.i:
            continue
        if not any(c.dep_ in ("nsubj", "nsubjpass") for c in conj.children):
            continue  # "you swam and laughed": one subject, one sentence
        if any(c.dep_ == "mark" for c in conj.children):
            continue  # "... and at night after the day's work was done": not a whole clause
        cc = [c for c in root.children if c.dep_ == "cc" and root.i < c.i < conj.left_edge.i]
        if not cc or cc[-1].lower_ not in ("and", "but", "so"):
            continue
        word = cc[-1]
        subject = next(c for c in conj.children if c.dep_ in ("nsubj", "nsubjpass"))
        if any(t.pos_ in ("VERB", "AUX") for t in sent.doc[word.i + 1: subject.left_edge.i]):
            continue  # "and in a moment seized you both, ..., they stopped": not its own
        first = sent.doc[sent.start: word.i].text.rstrip(" ,;")
        second = sent.doc[word.i + 1: sent.end].text.strip()
        if len(first.split()) < 4 or len(second.split()) < 4:
            return None
        lead = {"and": "", "but": "But ", "so": "So "}[word.lower_]
        head = sent.doc[word.i + 1]
        return [finish(first), finish(lead + (lower_first(second, head) if lead else second))]
    return None


def back_time(sent: Any) -> str | None:
    """A sentence opening with 'In 1998' or 'Every Sunday' (no comma clause after it) with
    that time moved to the end of the sentence, or None."""
    tokens = [t for t in sent if not t.is_space]
    if len(tokens) < 6 or any(t.text == "," for t in tokens) or sent.root.dep_ != "ROOT":
        return None
    root = sent.root
    lead = next((c for c in root.children if c.i < root.i and _temporal(c)), None)
    if lead is None or lead.left_edge.i != tokens[0].i:
        return None
    if tokens[0].pos_ not in ("ADP", "DET"):
        return None  # "In 1998", "Every Sunday" may move; "First week" would lose its "the"
    span = sent.doc[lead.left_edge.i: lead.right_edge.i + 1]
    rest = sent.doc[span.end: sent.end].text.strip()
    if rest[-1:] in ("?", '"', "\u201d", "'", "\u2019", ")"):
        # the time would land after a question or a closing quote ('of this "property."
        # from the time when you were four')
        return None
    rest = rest.rstrip(".!")
    if len(rest.split()) < 3:
        return None
    moved = span.text if span[0].pos_ == "PROPN" else span.text[:1].lower() + span.text[1:]
    head = sent.doc[span.end]
    opening = rest if head.pos_ == "PROPN" or head.text == "I" else rest[:1].upper() + rest[1:]
    return finish(f"{opening} {moved}")


# A sentence this long (tokens) with two whole clauses is told as two.
SPLIT_MIN = 16
