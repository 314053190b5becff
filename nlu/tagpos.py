"""A fast stand-in for en_core_web_sm's attribute_ruler: fine tag -> POS, morph, pronoun lemma.

The stock attribute_ruler runs a Matcher over ~180 patterns per doc and costs about a sixth
of the small pipeline's time. Nearly all its patterns key on TAG and LOWER only, so they
become two dict lookups per token; the handful keyed on the parse (DEP) are coded below.
The tables are read from the loaded pipeline's own attribute_ruler, not copied by hand.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

Key = tuple[str, str]  # (TAG, LOWER); LOWER "" for a tag-wide rule


def _as_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and list(value) == ["IN"]:
        return list(value["IN"])
    return None


def read_rules(patterns: list[dict[str, Any]]) -> dict[Key, dict[str, str]]:
    """(TAG, LOWER) -> attributes, from attribute_ruler patterns keyed on TAG/LOWER only."""
    rules: dict[Key, dict[str, str]] = {}
    for p in patterns:
        token = p["patterns"][0]
        if len(p["patterns"][0]) != 1 or not set(token[0]) <= {"TAG", "LOWER"}:
            continue
        tags = _as_list(token[0].get("TAG"))
        lowers = _as_list(token[0].get("LOWER", "")) or []
        for tag in tags or []:
            for lower in lowers:
                rules.setdefault((tag, lower), {}).update(p["attrs"])
    return rules


_DO_HAVE = {"do", "does", "did", "'d", "have", "has", "had"}
_CLAUSAL = {"ROOT", "advcl", "ccomp", "conj", "relcl", "xcomp"}
_BE = {"is", "are", "was", "were", "'s", "'re"}


class TagPos:
    """Pipeline component: sets pos, morph and pronoun lemmas from the tagger's fine tags."""

    def __init__(self, nlp: Language, rules: dict[Key, dict[str, str]]):
        self.rules = rules
        self.morph = {k: nlp.vocab.morphology.add(v["MORPH"]) for k, v in rules.items()
                      if "MORPH" in v and v["MORPH"] != "_"}

    def __call__(self, doc: Doc) -> Doc:
        prev_dep = ""
        for t in doc:
            tag, low, dep = t.tag_, t.lower_, t.dep_
            tagwide = self.rules.get((tag, ""), {})
            special = self.rules.get((tag, low), {})
            pos = special.get("POS") or tagwide.get("POS") or "X"
            if dep in ("aux", "auxpass") and tag != "TO":
                pos = "AUX"
            if low in _DO_HAVE and dep in _CLAUSAL:
                pos = "VERB"
            if tag == "IN" and dep == "mark":
                pos = "SCONJ"
            if tag in ("DT", "WDT") and dep not in ("det", "quantmod", ""):
                pos = "PRON"
            if prev_dep == "expl" and low in _BE:
                pos = "VERB"
            t.pos_ = pos
            morph = self.morph.get((tag, low)) or self.morph.get((tag, ""))
            if morph is not None:
                t.set_morph(morph)  # type: ignore[attr-defined]  # missing from the stub
            if "LEMMA" in special:
                t.lemma_ = special["LEMMA"]
            prev_dep = dep
        return doc


@Language.factory("storyloom_tag_pos")
def make_tag_pos(nlp: Language, name: str) -> TagPos:
    """Build the component from the pipeline's attribute_ruler (which must be present)."""
    ruler = nlp.get_pipe("attribute_ruler")
    return TagPos(nlp, read_rules(ruler.patterns))  # type: ignore[attr-defined]
