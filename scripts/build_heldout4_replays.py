"""Build the fourth held-out set of replays in other people's words: examples/eval/heldout4/.

    PYTHONPATH=. python scripts/build_heldout4_replays.py

Reads the vendored passages (examples/eval/heldout4/corpus/passages.jsonl: first-person
passages from six public-domain memoirs, copied verbatim from Standard Ebooks' CC0 editions,
see examples/eval/heldout4/corpus/PROVENANCE.md) and writes one pd4-*.txt replay per PLAN
entry: the narrator's passages told as a user would, two sentences a message (the same
`sentences` / `replay` as scripts/build_heldout_replays.py, by
scripts/build_heldout3_replays.py's `build`), with /tone, /story and
/continue where PLAN puts them.
"""

from __future__ import annotations

from pathlib import Path

from scripts.build_heldout3_replays import build

ROOT = Path(__file__).resolve().parent.parent
HELDOUT4 = ROOT / "examples" / "eval" / "heldout4"

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


def main() -> int:
    return build(HELDOUT4, PLAN)


if __name__ == "__main__":
    raise SystemExit(main())
