"""A parsed Doc read once into plain Python lists.

Every ``doc[i]``, ``token.children`` or ``token.subtree`` in spaCy creates Token objects;
reading each attribute once per token and working on indices keeps the NLU stage's own
work well below spaCy's.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from spacy.tokens import Doc


@dataclass(frozen=True, slots=True)
class Ent:
    """A named entity as token range, character range, label and text."""

    start: int
    end: int
    start_char: int
    end_char: int
    label: str
    text: str


@dataclass(slots=True)
class Parse:
    """Token attributes and tree structure of one Doc, indexed by token position."""

    doc: Doc
    raw: str = ""  # doc.text, read once: Doc.text rebuilds the string on every access
    text: list[str] = field(default_factory=list)
    lower: list[str] = field(default_factory=list)
    lemma: list[str] = field(default_factory=list)
    pos: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    dep: list[str] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    ent: list[str] = field(default_factory=list)
    idx: list[int] = field(default_factory=list)
    children: list[list[int]] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    sents: list[tuple[int, int]] = field(default_factory=list)
    ents: list[Ent] = field(default_factory=list)
    has_parse: bool = False
    _left: list[int] = field(default_factory=list)
    _right: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, doc: Doc) -> Parse:
        """Read doc's tokens, sentences and entities once."""
        p = cls(doc=doc, raw=doc.text, has_parse=doc.has_annotation("DEP"))
        for t in doc:
            p.text.append(t.text)
            p.lower.append(t.lower_)
            p.lemma.append(t.lemma_ or t.lower_)
            p.pos.append(t.pos_)
            p.tag.append(t.tag_)
            p.dep.append(t.dep_)
            p.ent.append(t.ent_type_)
            p.idx.append(t.idx)
        # Relative head offsets in one call; t.head would build a second Token per token.
        offsets = doc.to_array("HEAD").astype("int64").tolist() if len(doc) else []
        p.head = [i + off for i, off in enumerate(offsets)]
        p.children = [[] for _ in p.text]
        for i, h in enumerate(p.head):
            if h != i:
                p.children[h].append(i)
        p.sents = [(s.start, s.end) for s in doc.sents] if p.has_parse else [(0, len(doc))]
        p.sent = [0] * len(doc)
        for n, (lo, hi) in enumerate(p.sents):
            p.sent[lo:hi] = [n] * (hi - lo)
        p.ents = [Ent(e.start, e.end, e.start_char, e.end_char, e.label_, e.text)
                  for e in doc.ents]
        return p

    def __len__(self) -> int:
        return len(self.text)

    def span_text(self, lo: int, hi: int) -> str:
        """Text of tokens lo..hi inclusive, as written."""
        return self.raw[self.idx[lo]:self.idx[hi] + len(self.text[hi])]

    def tokens_at(self, start: int, end: int) -> tuple[int, int] | None:
        """Token range lo..hi (inclusive) covering characters start..end, or None."""
        if not self.idx or end <= start:
            return None
        lo = max(bisect_right(self.idx, start) - 1, 0)
        hi = max(bisect_right(self.idx, end - 1) - 1, lo)
        return lo, hi

    def root_of(self, lo: int, hi: int) -> int:
        """The token of lo..hi whose head lies outside the range (the span's root)."""
        for i in range(lo, hi + 1):
            h = self.head[i]
            if h == i or not lo <= h <= hi:
                return i
        return lo

    def edges(self, i: int) -> tuple[int, int]:
        """Leftmost and rightmost token of i's subtree."""
        if not self._left:
            self._compute_edges()
        return self._left[i], self._right[i]

    def _compute_edges(self) -> None:
        left, right = list(range(len(self))), list(range(len(self)))
        order = sorted(range(len(self)), key=self._depth, reverse=True)
        for i in order:
            h = self.head[i]
            if h != i:
                left[h] = min(left[h], left[i])
                right[h] = max(right[h], right[i])
        self._left, self._right = left, right

    def _depth(self, i: int) -> int:
        depth = 0
        while self.head[i] != i and depth < len(self):
            i, depth = self.head[i], depth + 1
        return depth

    def first_child(self, i: int, deps: tuple[str, ...] | frozenset[str]) -> int | None:
        """The first child of i with one of deps."""
        return next((c for c in self.children[i] if self.dep[c] in deps), None)
