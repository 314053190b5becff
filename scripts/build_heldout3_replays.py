"""Build the third held-out set of replays in other people's words: examples/eval/heldout3/.

    PYTHONPATH=. python scripts/build_heldout3_replays.py

Reads the vendored passages (examples/eval/heldout3/corpus/passages.jsonl: first-person
passages from six public-domain memoirs, copied verbatim from Standard Ebooks' CC0 editions,
see examples/eval/heldout3/corpus/PROVENANCE.md) and writes one pd3-*.txt replay per PLAN
entry: the narrator's passages told as a user would, two sentences a message (the same
`sentences` / `replay` as scripts/build_heldout_replays.py), with /tone, /story and
/continue where PLAN puts them.
"""

from __future__ import annotations

import json
from pathlib import Path

from scripts.build_heldout_replays import replay, sentences

ROOT = Path(__file__).resolve().parent.parent
HELDOUT3 = ROOT / "examples" / "eval" / "heldout3"
VENDORED = HELDOUT3 / "corpus" / "passages.jsonl"

# name -> passage ids and commands, in the order a user would send them
PLAN: dict[str, list[str]] = {
    "pd3-douglass-mother": ["douglass-01", "/tone sadness", "/story"],
    "pd3-douglass-baltimore": ["douglass-02", "/tone joy", "/story", "douglass-03",
                               "/tone hope", "/continue"],
    "pd3-seacole": ["seacole-01", "seacole-02", "/tone nostalgia", "/story", "seacole-03",
                    "/tone sadness", "/story"],
    "pd3-addams": ["addams-01", "/tone nostalgia", "/story", "addams-02", "/tone sadness",
                   "/story", "addams-03", "/tone joy", "/story"],
    "pd3-slocum-boyhood": ["slocum-01", "/tone humour", "/story"],
    "pd3-slocum-spray": ["slocum-02", "slocum-03", "/tone calm", "/story"],
    "pd3-dana": ["dana-01", "/tone humour", "/story", "dana-02", "dana-03", "/tone sadness",
                 "/story"],
    "pd3-twain": ["twain-01", "/tone humour", "/story", "twain-02", "/tone joy", "/continue"],
}
MAX_LINES = 13  # a replay stays under 14 messages, commands included


def load_passages(vendored: Path = VENDORED) -> dict[str, str]:
    """The vendored passages by id."""
    rows = map(json.loads, vendored.read_text(encoding="utf-8").splitlines())
    return {r["id"]: r["text"] for r in rows}


def build(folder: Path, plan: dict[str, list[str]]) -> int:
    """Write one replay per plan entry into folder from its corpus/passages.jsonl (also the
    fourth held-out set's builder)."""
    vendored = folder / "corpus" / "passages.jsonl"
    passages = load_passages(vendored)
    wanted = {item for items in plan.values() for item in items if not item.startswith("/")}
    missing = wanted - passages.keys()
    if missing:
        raise SystemExit(f"passages not found in {vendored}: {sorted(missing)}")
    unused = passages.keys() - wanted
    if unused:
        raise SystemExit(f"vendored passages no replay uses: {sorted(unused)}")
    for name, items in plan.items():
        lines = replay(items, passages)
        if len(lines) > MAX_LINES or any(not ln.strip() or "\n" in ln for ln in lines):
            raise SystemExit(f"{name}: {len(lines)} lines (or a blank one); keep it under 14")
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        told = sum(1 for ln in lines if not ln.startswith("/"))
        said = sum(len(sentences(passages[i])) for i in items if not i.startswith("/"))
        print(f"{name}: {told} messages ({said} sentences), {len(lines) - told} commands")
    return 0


def main() -> int:
    return build(HELDOUT3, PLAN)


if __name__ == "__main__":
    raise SystemExit(main())
