"""Build the held-out replays in other people's words: examples/eval/heldout/pd-*.txt.

    python scripts/build_heldout_replays.py [--corpus DIR]

With --corpus (a folder holding memories/memories_general.jsonl and
memories/memories_sad_heldout.jsonl), the passages the replays use are first copied into
examples/eval/heldout/corpus/passages.jsonl (verbatim, with their source and licence);
without it, that vendored file is read. Each replay is one narrator's passages told as a
user would: two sentences a message, with /story, /tone, /continue and /retry where PLAN
puts them. The text is U.S. public domain, from Standard Ebooks' CC0 editions (see
examples/eval/heldout/corpus/PROVENANCE.md).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "examples" / "eval" / "heldout"
VENDORED = HELDOUT / "corpus" / "passages.jsonl"

# name -> passage ids and commands, in the order a user would send them
PLAN: dict[str, list[str]] = {
    "pd-keller-childhood": ["keller-01", "keller-02", "/tone sadness", "/story", "keller-03",
                            "/tone joy", "/story"],
    "pd-keller-teacher": ["keller-09", "keller-10", "/tone joy", "/story", "keller-06",
                          "/tone sadness", "/story"],
    "pd-washington-home": ["washington-01", "washington-03", "/story", "washington-05",
                           "/continue"],
    "pd-washington-school": ["washington-07", "/tone joy", "/story", "washington-06",
                             "/tone sadness", "/story", "/retry"],
    "pd-zitkala-sa-mother": ["zitkala-sa-01", "zitkala-sa-03", "/story", "zitkala-sa-05",
                             "/tone joy", "/story"],
    "pd-zitkala-sa-school": ["zitkala-sa-06", "zitkala-sa-07", "/tone sadness", "/story",
                             "zitkala-sa-08", "/story"],
    "pd-dubois": ["dubois-02", "/tone joy", "/story", "dubois-06", "/tone sadness", "/story"],
    "pd-franklin": ["franklin-01", "/story", "franklin-02", "franklin-03", "/tone humour",
                    "/story"],
    "pd-northup": ["northup-02", "northup-03", "/tone joy", "/story", "northup-01",
                   "/tone sadness", "/story"],
    "pd-equiano": ["equiano-01", "/tone sadness", "/story", "equiano-03", "/tone auto",
                   "/story"],
}
# a sentence ends at . ! ? (and any closing quotes) before a capital or an opening quote
SENTENCE_END = re.compile(r"(?<=[.!?])[”’\"')]*\s+(?=[“\"‘(A-Z])")
ABBREVIATION = re.compile(r"\b(?:Mr|Mrs|Dr|St|Rev|Esq)\.$")


def sentences(text: str) -> list[str]:
    """A passage's sentences (a split after Mr. / Mrs. / Dr. is joined back)."""
    out: list[str] = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        piece = text[start:m.start()] + text[m.start():m.end()].rstrip()
        if ABBREVIATION.search(text[start:m.start()]):
            continue
        out.append(piece.strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def vendor(corpus: Path) -> None:
    """Copy the passages PLAN uses, verbatim, into examples/eval/heldout/corpus."""
    wanted = {item for items in PLAN.values() for item in items if not item.startswith("/")}
    rows = []
    for name in ("memories_general.jsonl", "memories_sad_heldout.jsonl"):
        for raw in (corpus / "memories" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(raw)
            if row["id"] in wanted:
                rows.append({k: row[k] for k in ("id", "narrator", "work", "year", "text",
                                                 "source", "licence")})
    missing = wanted - {r["id"] for r in rows}
    if missing:
        raise SystemExit(f"passages not found in {corpus}: {sorted(missing)}")
    VENDORED.parent.mkdir(parents=True, exist_ok=True)
    VENDORED.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                for r in sorted(rows, key=lambda r: r["id"])), encoding="utf-8")


def replay(items: list[str], passages: dict[str, str]) -> list[str]:
    """The script lines of one replay: two sentences a message, commands where planned."""
    lines: list[str] = []
    for item in items:
        if item.startswith("/"):
            lines.append(item)
            continue
        said = sentences(passages[item])
        lines += [" ".join(said[i:i + 2]) for i in range(0, len(said), 2)]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, help="the research corpora folder to vendor from")
    args = ap.parse_args()
    if args.corpus is not None:
        vendor(args.corpus)
    passages = {r["id"]: r["text"] for r in map(json.loads, VENDORED.read_text(
        encoding="utf-8").splitlines())}
    for name, items in PLAN.items():
        lines = replay(items, passages)
        (HELDOUT / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        told = sum(1 for ln in lines if not ln.startswith("/"))
        print(f"{name}: {told} messages, {len(lines) - told} commands")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
