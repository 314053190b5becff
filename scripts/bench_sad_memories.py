"""False pauses on ordinary sad chats, and recall on the risk sets, with the turn-path detector.

Each conversation of datasets/sad_memories is replayed one message a turn through
RiskDetector(use_embeddings=True), as the NLU worker's safety step calls it: a message
whose assessment needs a crisis reply pauses the story. A conversation with any such
message counts as one false pause. Recall is read on the labelled risk sets: any flag
(level >= low) on items labelled with a risk, and the crisis reply on items labelled
elevated or high.

Run: PYTHONPATH=. python scripts/bench_sad_memories.py [--errors]
         [--half heldout|tune|fresh|fresh-tune|fresh-test]
(--errors prints the paused messages; use it on tune and fresh-tune only.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from nlu.safety.detector import RiskDetector

ROOT = Path(__file__).resolve().parent.parent
CHATS = ROOT / "datasets" / "sad_memories"
RISK = (ROOT / "datasets" / "safety" / "risk_eval.jsonl",
        ROOT / "datasets" / "safety" / "risk_holdout.jsonl")


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """One record a line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def chats_of(half: str) -> list[dict[str, object]]:
    """The conversations of one half; fresh-tune and fresh-test split fresh.jsonl in two by a
    hash of the conversation id (fixed before any of its errors was read)."""
    if not half.startswith("fresh-"):
        return read_jsonl(CHATS / f"{half}.jsonl")
    want = half == "fresh-test"
    return [c for c in read_jsonl(CHATS / "fresh.jsonl")
            if (hashlib.sha256(f"fresh-split:{c['conversation']}".encode()).digest()[0] % 2 == 1)
            == want]


def false_pauses(detector: RiskDetector, half: str, show: bool) -> None:
    """Conversations of ordinary sad messages that a crisis reply would have paused."""
    chats = chats_of(half)
    paused = flagged = messages = 0
    for chat in chats:
        texts = [str(m) for m in chat["messages"]]  # type: ignore[attr-defined]
        found = detector.assess(texts)
        messages += len(texts)
        flagged += sum(a.flagged for a in found)
        hits = [(t, a) for t, a in zip(texts, found, strict=True) if a.needs_crisis_reply]
        paused += bool(hits)
        if show:
            for text, a in hits:
                print(f"  {chat['conversation']} {a.level} {a.matched} :: {text}")
    print(f"sad memories ({half}): false pauses {paused}/{len(chats)} conversations = "
          f"{paused / max(1, len(chats)):.3f}; messages flagged low or above for a counselor "
          f"{flagged}/{messages}")


def recall(detector: RiskDetector, path: Path) -> None:
    """Any-flag recall on risk items and crisis-reply recall on elevated/high items."""
    rows = read_jsonl(path)
    found = detector.assess([str(r["text"]) for r in rows])
    risk = [a for r, a in zip(rows, found, strict=True) if r["label"] != "none"]
    urgent = [a for r, a in zip(rows, found, strict=True) if r["level"] in ("elevated", "high")]
    calm = [a for r, a in zip(rows, found, strict=True) if r["level"] in ("none", "low")]
    caught = sum(a.flagged for a in risk)
    crisis = sum(a.needs_crisis_reply for a in urgent)
    alarms = sum(a.needs_crisis_reply for a in calm)
    print(f"{path.name}: any-flag recall {caught}/{len(risk)} = {caught / len(risk):.3f}; "
          f"crisis recall {crisis}/{len(urgent)} = {crisis / len(urgent):.3f}; "
          f"crisis replies on none/low items {alarms}/{len(calm)}")


def main() -> None:
    """Entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", default="heldout",
                    choices=("heldout", "tune", "fresh", "fresh-tune", "fresh-test"))
    ap.add_argument("--errors", action="store_true", help="print the paused messages")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the encoder")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    detector = RiskDetector(use_embeddings=True).load()
    false_pauses(detector, args.half, args.errors)
    for path in RISK:
        recall(detector, path)


if __name__ == "__main__":
    main()
