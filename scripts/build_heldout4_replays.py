"""Build the fourth held-out set of replays in other people's words: examples/eval/heldout4/.

    PYTHONPATH=. python scripts/build_heldout4_replays.py

Reads the vendored passages (examples/eval/heldout4/corpus/passages.jsonl: first-person
passages from six public-domain memoirs, copied verbatim from Standard Ebooks' CC0 editions,
see examples/eval/heldout4/corpus/PROVENANCE.md) and writes one pd4-*.txt replay per PLAN
entry: the narrator's passages told as a user would, two sentences a message (the same
`sentences` / `replay` as scripts/build_heldout_replays.py), with /tone, /story and
/continue where PLAN puts them.
"""

from __future__ import annotations

import json
from pathlib import Path

from scripts.build_heldout_replays import replay, sentences

ROOT = Path(__file__).resolve().parent.parent
HELDOUT4 = ROOT / "examples" / "eval" / "heldout4"
VENDORED = HELDOUT4 / "corpus" / "passages.jsonl"

# name -> passage ids and commands, in the order a user would send them
PLAN: dict[str, list[str]] = {
    "pd4-barnum-island": ["barnum-01", "barnum-02", "/tone humour", "/story"],
    "pd4-barnum-losses": ["barnum-03", "/tone sadness", "/story", "barnum-04", "/tone sadness",
                          "/continue"],
    "pd4-grant": ["grant-01", "/tone nostalgia", "/story", "grant-02", "/tone humour",
                  "/continue"],
    "pd4-roosevelt": ["roosevelt-01", "/tone nostalgia", "/story", "roosevelt-02", "/tone joy",
                      "/continue"],
    "pd4-conrad": ["conrad-01", "conrad-02", "/tone sadness", "/story", "conrad-03",
                   "/tone sadness", "/continue"],
    "pd4-muir": ["muir-01", "/tone joy", "/story", "muir-02", "/tone calm", "/continue"],
    "pd4-shackleton-descent": ["shackleton-01", "/tone hope", "/story", "shackleton-02",
                               "/tone hope", "/continue"],
    "pd4-shackleton-station": ["shackleton-03", "/tone joy", "/story"],
}
MAX_LINES = 13  # a replay stays under 14 messages, commands included


def load_passages() -> dict[str, str]:
    """The vendored passages by id."""
    rows = map(json.loads, VENDORED.read_text(encoding="utf-8").splitlines())
    return {r["id"]: r["text"] for r in rows}


def main() -> int:
    passages = load_passages()
    wanted = {item for items in PLAN.values() for item in items if not item.startswith("/")}
    missing = wanted - passages.keys()
    if missing:
        raise SystemExit(f"passages not found in {VENDORED}: {sorted(missing)}")
    unused = passages.keys() - wanted
    if unused:
        raise SystemExit(f"vendored passages no replay uses: {sorted(unused)}")
    for name, items in PLAN.items():
        lines = replay(items, passages)
        if len(lines) > MAX_LINES or any(not ln.strip() or "\n" in ln for ln in lines):
            raise SystemExit(f"{name}: {len(lines)} lines (or a blank one); keep it under 14")
        (HELDOUT4 / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        told = sum(1 for ln in lines if not ln.startswith("/"))
        said = sum(len(sentences(passages[i])) for i in items if not i.startswith("/"))
        print(f"{name}: {told} messages ({said} sentences), {len(lines) - told} commands")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
