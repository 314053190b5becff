"""Named-entity recognition on the sentences that can hold a name, not on every sentence.

spaCy's small English NER has its own token encoder and costs about half the pipeline.
The labels the NLU stage reads (PERSON, GPE, LOC, FAC, ORG, NORP) are proper names, which
the tagger has already marked NNP/NNPS; times come from nlu.timex. So NER runs, batched,
only over sentences holding a proper noun; the rest get no entities. On first-person
life-story messages this keeps the same name entities on >99% of messages (measured on
the benchmark texts) and drops numbers, dates and quantities in name-free sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from spacy.tokens import Doc, Span

from nlu.parse import Ent, Parse

if TYPE_CHECKING:
    from spacy.language import Language

PROPER_TAGS = ("NNP", "NNPS")


def recognise(nlp: Language, docs: Sequence[Doc], batch_size: int = 256) -> None:
    """Set doc.ents on each doc by running the pipeline's ner on its proper-noun sentences."""
    ner = nlp.get_pipe("ner")
    proper = [nlp.vocab.strings[t] for t in PROPER_TAGS]
    pieces: list[Doc] = []
    owners: list[tuple[int, int]] = []
    for n, doc in enumerate(docs):
        if not len(doc):
            continue
        tags = doc.to_array("TAG").tolist()
        for sent in doc.sents:
            if any(tags[i] in proper for i in range(sent.start, sent.end)):
                pieces.append(sent.as_doc())
                owners.append((n, sent.start))
    found: list[list[Span]] = [[] for _ in docs]
    batches = ner.pipe(pieces, batch_size=batch_size)  # type: ignore[attr-defined]
    for piece, (n, offset) in zip(batches, owners, strict=True):
        found[n] += [Span(docs[n], e.start + offset, e.end + offset, label=e.label_)
                     for e in piece.ents]
    for doc, ents in zip(docs, found, strict=True):
        doc.ents = ents


# Verbs after which "to <Name>" is a destination, not a person ("took me to Nazaré").
MOTION = frozenset({
    "go", "come", "move", "travel", "take", "drive", "fly", "walk", "run", "head", "return",
    "ride", "sail", "emigrate", "relocate", "bring", "send", "get",
})
_IN_PLACE = frozenset({"in", "at", "near", "into", "around", "across", "outside", "inside"})


def relabel_places(p: Parse) -> None:
    """Relabel names that the parse shows are places ("in Nazaré", "drove to Nazaré").

    The small model often calls an unfamiliar place name a PERSON or ORG. A PERSON as the
    object of "in"/"at"/"near", or either as the object of "to" after a motion verb or of
    "in"/"near", is a place here ("worked at Google" stays an ORG).
    """
    fixed = []
    for e in p.ents:
        root = p.root_of(e.start, e.end - 1)
        prep = p.head[root]
        if e.label in ("PERSON", "ORG") and p.dep[root] == "pobj" and p.dep[prep] == "prep":
            word = p.lower[prep]
            to_place = word == "to" and p.lemma[p.head[prep]] in MOTION
            if to_place or word in ("in", "near") or (e.label == "PERSON" and word in _IN_PLACE):
                e = Ent(e.start, e.end, e.start_char, e.end_char, "GPE", e.text)
        fixed.append(e)
    p.ents = fixed
    for e in fixed:
        p.ent[e.start:e.end] = [e.label] * (e.end - e.start)
