"""How often a first-person self-description in someone else's words yields a lasting fact.

Source: GoEmotions dev and test comments (datasets/goemotions, Reddit, Apache-2.0), split
into sentences; kept are those that open like a self-description ("I am", "I'm", "I love",
"I have", "I work", "I usually", ...), are not questions, and do not go on to a reaction or
a passing state ("I love this", "I'm sorry", "I'm sure", "I have a question"): a filter
written here, apart from the extractor; so are acts of the moment ("I'm giving you
information", "I have failed you"). Each is run through the real NLU pipeline; a
sentence counts when a fact's object shares a content word with what follows the opener
(the fact carries the statement's content).

Prints the yield, per predicate, and writes a sample of 100 (seeded) for reading by hand:
    PYTHONPATH=. python scripts/bench_facts.py [--sample FILE] [--old]
--old counts only the fixed patterns (the extractor before open-ended facts).
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from datetime import date
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "datasets" / "goemotions"
OPENER = re.compile(
    r"^I(?:'m|\s+am|\s+love|\s+have|\s+work|\s+usually|\s+like|\s+always|\s+own|\s+play"
    r"|\s+enjoy|\s+collect|\s+hate|\s+often|\s+go|\s+read|\s+live|'ve\s+got)\b\s*(?P<rest>.*)$",
    re.IGNORECASE)
# What follows the opener when the sentence is a reaction or a passing state, not the user.
_NOT_SELF = re.compile(
    r"^(?:(?:so|really|very|just|also|still|not|actually|pretty|kinda|all|absolutely|"
    r"literally|too|totally|definitely|genuinely|honestly|truly|never)\s+)*"
    r"(?:it|this|that|these|those|you|your|him|her|them|how|when|what|the\s+way|sorry|sure|"
    r"glad|happy|saying|talking|going|gonna|trying|thinking|here|no\s+idea|a\s+question|"
    r"to\s+(?:say|agree|admit)|seen|been|heard|read|never|done|getting|looking|feeling|"
    r"crying|dying|laughing|confused|surprised|shocked|excited|scared|afraid|worried|"
    r"disappointed|proud|grateful|thankful|jealous|impressed|amazed|curious|interested)\b",
    re.IGNORECASE)
# "I'm giving you information", "I have failed you": what the writer is doing or did.
_ACT = re.compile(r"^I(?:'m|\s+am)\s+(?:\w+ly\s+|just\s+|still\s+|not\s+|so\s+|also\s+)*"
                  r"(?!learning|studying|training)\w+ing\b|^I\s+have\s+(?:\w+ly\s+|just\s+|"
                  r"never\s+|already\s+|not\s+)*(?:\w+ed|been|got|had|seen|done|made|gone)\b",
                  re.IGNORECASE)
_STOPWORDS = frozenset(
    "a an the to of and or my in on at for with is am are be i me".split())  # noqa: SIM905


def self_descriptions() -> list[str]:
    """The filtered sentences, in file order, without duplicates."""
    out: list[str] = []
    for name in ("dev.tsv", "test.tsv"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            text = line.split("\t", 1)[0].replace("\u2019", "'")
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                sentence = sentence.strip()
                m = OPENER.match(sentence)
                if m is None or sentence.endswith("?") or "[NAME]" in m["rest"][:12]:
                    continue
                if _NOT_SELF.match(m["rest"]) or not m["rest"].strip():
                    continue
                if _ACT.match(sentence):  # an act of this moment, not a self-description
                    continue
                out.append(sentence)
    return list(dict.fromkeys(out))


def _content(words: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", words.lower()) if w not in _STOPWORDS}


def carries(sentence: str, objects: list[str]) -> bool:
    """A fact's object shares a content word with the statement after its opener."""
    m = OPENER.match(sentence)
    rest = _content(m["rest"] if m else sentence)
    return any(_content(obj) & rest for obj in objects) or any(
        obj.isdigit() for obj in objects)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=Path, default=None)
    parser.add_argument("--old", action="store_true")
    args = parser.parse_args()
    if args.old:
        import nlu.facts
        nlu.facts.open_facts = lambda p, lo, hi: []  # type: ignore[attr-defined]
    from nlu.pipeline import default_analyzer

    sentences = self_descriptions()
    analyzer = default_analyzer()
    items = [(str(i), s, date(2024, 1, 1), None) for i, s in enumerate(sentences)]
    rows = []
    per_predicate: Counter[str] = Counter()
    for sentence, analysis in zip(sentences, analyzer.analyze_stream(items), strict=True):
        facts = [f for f in analysis.facts if f.subject == "user"]
        ok = carries(sentence, [f.object for f in facts])
        for f in facts:
            per_predicate[f.predicate] += 1
        rows.append((sentence, facts, ok))
    yielded = sum(1 for _, facts, _ in rows if facts)
    carried = sum(1 for _, _, ok in rows if ok)
    print(f"self-descriptions: {len(rows)} (GoEmotions dev+test, filtered)")
    print(f"yield any fact: {yielded}/{len(rows)} = {yielded / len(rows):.1%}")
    print(f"yield a fact carrying the content: {carried}/{len(rows)} = {carried / len(rows):.1%}")
    print("facts per predicate:", dict(per_predicate.most_common()))
    if args.sample:
        sample = random.Random(16).sample([r for r in rows if r[1]], 100)
        lines = ["# verdict\tsentence\tfacts (predicate: object, ! = negated)"]
        for sentence, facts, _ in sample:
            shown = "; ".join(f"{'!' if f.negated else ''}{f.predicate}: {f.object}"
                              for f in facts)
            lines.append(f"?\t{sentence}\t{shown}")
        args.sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"sample of 100 facts written to {args.sample}")


if __name__ == "__main__":
    main()
