"""Build datasets/sad_memories from the vendored GoEmotions: ordinary sad messages as chats.

Items labelled sadness, grief, remorse or disappointment that speak in the first person
are kept, less the ids listed in datasets/sad_memories/excluded.tsv (present risk, read by
hand from every candidate the risk-word net below caught). A fixed hash of each comment id
puts it in the tune half or the held-out half; each half is then cut into sentences, two
sentences a message, ten messages a conversation.

Run: PYTHONPATH=. python scripts/build_sad_memories.py  (rewrites tune.jsonl, heldout.jsonl)
     PYTHONPATH=. python scripts/build_sad_memories.py --mine  (prints the tune half's
     sentences the risk backstop flags: candidates for nlu/safety/exemplars_tune.json,
     to be read by hand before any goes in; never run on the held-out half)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
GOEMOTIONS = ROOT / "datasets" / "goemotions"
OUT = ROOT / "datasets" / "sad_memories"

LABELS = ("sadness", "grief", "remorse", "disappointment")
FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|my|me|we|our|us)\b", re.IGNORECASE)
# Every candidate this net catches was read by hand (excluded.tsv lists what was left out).
RISK_NET = re.compile(
    r"suicid|kill|\bdie\b|\bdied\b|dying|dead|death|hurt|harm|\bcut|overdose|pills|"
    r"end (?:it|my)|alive|\blive\b|living|disappear|burden|hopeless|worthless|hate myself|"
    r"\bkms\b|jump|hang|rope|bridge|wrist|razor|blade|gun|shoot|abuse|beat|hit me|rape|molest|"
    r"stab|murder|not be here|gone|better off|no point|give up|giving up|"
    r"can't (?:go on|take|do this)|wake up|unalive|self|"
    # widened once, after a first look at the built chats showed "pls end me"
    r"end me|\battempt|tried it|\bpills?\b|\bnoose|\bscars?\b|\bbleed|meds\b|no reason|"
    r"want out|can't anymore|done with (?:it all|everything|life)|\bnumb\b|\bempty\b|"
    r"\bgoodbye|\bfuneral|\bsleep forever|\bheaven\b|\bjoin (?:him|her|them)",
    re.IGNORECASE,
)
SENTENCE = re.compile(r"(?<=[.!?])\s+")
SENTENCES_PER_MESSAGE = 2
MESSAGES_PER_CONVERSATION = 10
SALT = "storyloom-sad-memories-v1"


def half_of(comment_id: str) -> str:
    """'tune' or 'heldout', fixed by a hash of the comment id."""
    digest = hashlib.sha256(f"{SALT}:{comment_id}".encode()).digest()
    return "heldout" if digest[0] % 2 else "tune"


def candidates() -> list[tuple[str, str]]:
    """(comment id, text) of first-person items with a sad label, in file order."""
    names = (GOEMOTIONS / "emotions.txt").read_text(encoding="utf-8").split()
    wanted = {names.index(label) for label in LABELS}
    out = []
    for split in ("train", "dev", "test"):
        for line in (GOEMOTIONS / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
            text, labels, comment_id = line.split("\t")
            if wanted & {int(x) for x in labels.split(",")} and FIRST_PERSON.search(text):
                out.append((comment_id, text.strip()))
    return out


def excluded() -> set[str]:
    """Ids left out by hand (present risk or arguable)."""
    lines = (OUT / "excluded.tsv").read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0] for line in lines if line and not line.startswith("#")}


def conversations(items: list[tuple[str, str]], half: str) -> list[dict[str, object]]:
    """Two sentences a message, ten messages a conversation (a short last one is kept)."""
    items = sorted(items, key=lambda it: hashlib.sha256(f"{SALT}:order:{it[0]}".encode())
                   .hexdigest())
    return grouped(items, half)


def grouped(items: list[tuple[str, str]], prefix: str) -> list[dict[str, object]]:
    """(comment id, text) in order, cut into sentences, two a message, ten messages a
    conversation named prefix-001, prefix-002, ..."""
    pieces = [(cid, s) for cid, text in items for s in SENTENCE.split(text) if s.strip()]
    messages: list[tuple[list[str], str]] = []
    for i in range(0, len(pieces), SENTENCES_PER_MESSAGE):
        chunk = pieces[i : i + SENTENCES_PER_MESSAGE]
        messages.append((sorted({cid for cid, _ in chunk}), " ".join(s for _, s in chunk)))
    out: list[dict[str, object]] = []
    for n, i in enumerate(range(0, len(messages), MESSAGES_PER_CONVERSATION), start=1):
        group = messages[i : i + MESSAGES_PER_CONVERSATION]
        out.append({"conversation": f"{prefix}-{n:03d}", "messages": [m for _, m in group],
                    "sources": sorted({c for ids, _ in group for c in ids})})
    return out


def mine() -> None:
    """Print, as JSON, the tune half's sentences that the backstop alone would flag."""
    from nlu.safety.detector import RiskDetector, assess_rules
    from nlu.safety.prototypes import ProtoScore, flag_level
    from nlu.safety.text import sentences

    scorer = RiskDetector(use_embeddings=True).load().scorer
    assert scorer is not None
    chats = (OUT / "tune.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [s for line in chats for m in json.loads(line)["messages"] for s in sentences(m)]
    texts = [t for t in texts if len(t) > 3 and not assess_rules(t).flagged]
    flagged = [t for t, p in zip(texts, scorer.score(texts), strict=True)
               if flag_level(ProtoScore(p.scores), scorer.config) > 0]
    print(json.dumps(flagged, indent=0, ensure_ascii=False))


def main() -> None:
    """Write tune.jsonl and heldout.jsonl and print what went in."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mine", action="store_true", help="print hard-negative candidates")
    if ap.parse_args().mine:
        mine()
        return
    found = candidates()
    left_out = excluded()
    caught = sum(bool(RISK_NET.search(t)) for _, t in found)
    kept = [(cid, t) for cid, t in found if cid not in left_out]
    print(f"first-person items labelled {'/'.join(LABELS)}: {len(found)}; caught by the "
          f"risk-word net and read: {caught}; left out: {len(found) - len(kept)}")
    for half in ("tune", "heldout"):
        write(conversations([it for it in kept if half_of(it[0]) == half], half),
              OUT / f"{half}.jsonl")


def write(chats: list[dict[str, object]], path: Path) -> None:
    """One conversation a JSON line; print what went in."""
    with path.open("w", encoding="utf-8") as f:
        for chat in chats:
            f.write(json.dumps(chat, ensure_ascii=False) + "\n")
    n_msgs = sum(len(cast(list[str], c["messages"])) for c in chats)
    print(f"{path.name}: {len(chats)} conversations, {n_msgs} messages")


if __name__ == "__main__":
    main()
