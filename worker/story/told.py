"""The material of an installment: the sentences the user told, for each planned moment.

A planned beat is one turn's moment. Its material is that turn's own sentences, minus what
was said to storyloom rather than about a life (questions, thanks, "can you write that",
"haha", "I don't remember much else"), with chat filler taken out. Every sentence keeps the
id of the turn it came from: that is what "sources shown" points to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from worker.story.retell import strip_fillers

# An installment tells at most this much of what was said: a page, not a transcript.
MAX_SENTENCES = 9
MAX_WORDS = 170
# Shorter than this, a sentence is a reply to storyloom ("yes", "so true"), not a memory.
MIN_WORDS = 3

_TO_STORYLOOM = re.compile(
    r"^(can|could|would|will) you\b|\b(thanks|thank you|please)\b|\bstoryloom\b|"
    r"\b(?:write|tell|make|change|fix|start|continue|read|edit|shorten|like|liked|love|loved|"
    r"update) (?:the|this|my|our|your|that) (?:story|installment|chapter)\b|"
    r"\b(?:this|the|your|that)(?: (?:last|first|new|next|latest))? (?:installment|chapter)\b|"
    r"\b(?:the|this|your|that) (?:last|new|next|latest) story\b|"
    r"\b(?:this|your) story (?:is|was|sounds|reads)\b|"
    r"\b(?:here'?s|here is|that'?s|that is|this is) (?:my|the|our) story\b[.!:]*$|"
    r"^(ok|okay|sure|yes|no|yep|nope|"
    r"right|exactly|true|lol|haha)\b[.!]*$|^(hi|hello|hey)\b|\b(write|tell) (it|that|this)\b|"
    r"\bset (this|it) up\b|\b(this|the) (app|bot|chat)\b",
    re.I)
_META = re.compile(
    r"^(i )?(don'?t|do not|can'?t|cannot) (really )?(remember|recall)( much| anything)?"
    r"( else| more)?[.!]*$|^that'?s (all|it|about it)\b|^(not sure|no idea|i forget)\b|"
    r"^anyway\b|^where was i\b|^(let me|i'?ll) (think|tell you)\b|"
    r"^(ok(ay)? )?(so )?where (do|should|shall|can) (i|we) (start|begin)\b",
    re.I)


_GOES_ON = re.compile(
    r"^(so|because|cause|'cause|so that|and|but)\s+(i|we|he|she|they|you|it|my|our)\b", re.I)


@dataclass(frozen=True)
class Told:
    """One sentence the user told, cleaned, with where it came from."""

    text: str
    turn_id: str
    beat: int  # the planned beat (moment) it belongs to
    index: int  # its place among the turn's sentences


def is_material(text: str) -> bool:
    """True when a sentence tells something of a life (not chat with storyloom)."""
    words = re.findall(r"[A-Za-z']+", text)
    if len(words) < MIN_WORDS or text.rstrip().endswith("?"):
        return False
    return not (_TO_STORYLOOM.search(text) or _META.search(text.strip()))


def sentences_of(doc: Any) -> list[str]:
    """A parsed turn's sentences, filler taken out, that tell something of a life."""
    out = []
    parts: list[str] = []
    asks: list[bool] = []
    for sent in doc.sents:
        raw = sent.text.strip()
        ask = _asks_storyloom(sent)
        # "came every day to buy some so we wouldnt feel bad": a split the user never
        # punctuated, before "so"/"because", is one sentence ("so" is not filler here)
        # and a split before a lower-case word, after no full stop, is the parser's guess
        if parts and parts[-1][-1:] not in ".!?;:" and (_GOES_ON.match(raw) or (
                raw[:1].islower() and parts[-1][-1:] in ",—-")):
            parts[-1] = f"{parts[-1]} {raw}"
            asks[-1] = asks[-1] or ask
        else:
            parts.append(raw)
            asks.append(ask)
    for raw, ask in zip(parts, asks, strict=True):
        text = strip_fillers(raw)
        if text and not ask and is_material(text):
            out.append(text)
    return out


_ASKING = frozenset({"so", "please", "just", "pls", "plz"})


def _asks_storyloom(sent: Any) -> bool:
    """A sentence that asks something of storyloom: a verb with no subject at its start or
    after "so"/"please" ("wait why was it in his sock", "I type slowly so be patient")."""
    for tok in sent:
        if tok.tag_ != "VB" or tok.dep_ not in ("ROOT", "conj", "ccomp") or any(
                c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass", "mark", "expl")
                for c in tok.children):
            continue
        if tok.i == sent.start or tok.doc[tok.i - 1].lower_ in _ASKING:
            return True
    return False


def gather(nlp: Any, turn_texts: Sequence[tuple[str, str]],
           max_sentences: int = MAX_SENTENCES, max_words: int = MAX_WORDS) -> list[Told]:
    """The material of some beats: [(turn_id, its text)] in plan order, within a page.

    Every beat keeps at least its first sentence; later sentences stop at the budget."""
    docs = list(nlp.pipe([text for _, text in turn_texts]))
    per_beat = [sentences_of(doc) for doc in docs]
    out: list[Told] = []
    words = 0
    for beat, ((turn_id, _), found) in enumerate(zip(turn_texts, per_beat, strict=True)):
        kept: list[Told] = []
        # the first sentence always; then, while the page has room, sentences that name
        # someone or somewhere before those that name no one ("Best of all I loved to go
        # to Josie's" is not the sentence to lose); told in their own order
        for index in sorted(range(len(found)), key=lambda i: (i > 0, not _names(found[i]),
                                                              i)):
            text = found[index]
            size = len(text.split())
            if index > 0 and (len(out) + len(kept) >= max_sentences
                              or words + size > max_words):
                continue
            kept.append(Told(text=text, turn_id=turn_id, beat=beat, index=index))
            words += size
        out += sorted(kept, key=lambda t: t.index)
    return out


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:['\u2019]s)?\b")


def _names(text: str) -> set[str]:
    """Capitalised words after a sentence's first: the names it tells."""
    return {m.group(0).split("'")[0].split("\u2019")[0] for m in _NAME.finditer(text.strip())}
