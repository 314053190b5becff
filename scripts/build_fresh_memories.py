"""Build datasets/sad_memories/fresh.jsonl: ordinary first-person messages nobody tuned on.

A second, fresh set beside tune.jsonl and heldout.jsonl, from the same vendored GoEmotions
but from OTHER comments: first person, NOT labelled sadness, grief, remorse or
disappointment (so none of the existing set's ids), and touching a life-event topic that
makes a risk detector nervous (death, illness, hospital, accident, loss, loneliness,
divorce, abuse, fights, depression, therapy...: TOPIC below, or the existing RISK_NET).
The matching comments are put in a fixed hash order and the first CANDIDATES of them are
the candidates; every candidate was read by hand, and the ids in fresh_excluded.tsv (present
suicidal or self-harm talk about the writer, even as hyperbole, and anything arguable) are
left out. The rest are cut into sentences, two a message, ten messages a conversation.
Nothing here runs the detector or any storyloom code on the texts.

Run: PYTHONPATH=. python scripts/build_fresh_memories.py          (rewrites fresh.jsonl)
     PYTHONPATH=. python scripts/build_fresh_memories.py --list   (prints the candidates,
     one "id<TAB>text" a line, for reading by hand)
     PYTHONPATH=. python scripts/build_fresh_memories.py --mine   (prints, one
     "id<TAB>sentence" a line, sentences of the matching comments AFTER the candidates,
     in no evaluation set, that the risk backstop alone would let pause a story:
     hard-negative candidates for nlu/safety/exemplars_tune.json, to be read by hand)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re

from scripts.build_sad_memories import (
    FIRST_PERSON,
    GOEMOTIONS,
    LABELS,
    OUT,
    RISK_NET,
    grouped,
    write,
)

SALT = "storyloom-fresh-memories-v1"
CANDIDATES = 1200  # the first this many matching comments, in hash order, were read by hand
# Life-event topics that make a risk detector nervous (checked with RISK_NET as well).
TOPIC = re.compile(
    r"\b(?:death|deaths|dead|die|died|dies|dying|funeral|passed away|passed on|passing|"
    r"grave|cemetery|obituary|widow\w*|ill|illness|sick|sickness|disease|hospital\w*|"
    r"cancer|tumou?r|chemo\w*|diagnos\w*|surgery|icu|stroke|heart attack|dementia|"
    r"alzheimer'?s|seizures?|injur\w*|hurt\w*|pain|painful|accident\w*|crash\w*|broke my|"
    r"loss|lost|losing|alone|lonely|loneliness|divorc\w*|separated|breakup|broke up|abus\w*|"
    r"fights?|fighting|fought|argu\w*|depress\w*|anxiety|anxious|panic|therap\w*|"
    r"counsel\w*|psychiatr\w*|meds|medication|rehab|addict\w*|overdose|miscarr\w*|grief|"
    r"griev\w*|mourn\w*|bull(?:y|ied|ying)|homeless|fired|laid off|evict\w*|struggl\w*|"
    r"trauma\w*|ptsd|nightmares?|scar\w*|bleed\w*|blood|ambulance|doctor|nurse|diabet\w*|"
    r"disabled|disability|chronic)\b",
    re.IGNORECASE,
)


def order_key(comment_id: str) -> str:
    """Fixed order of the comments, from a salted hash of the id."""
    return hashlib.sha256(f"{SALT}:order:{comment_id}".encode()).hexdigest()


def existing_ids() -> set[str]:
    """Comment ids already in tune.jsonl, heldout.jsonl or excluded.tsv (never reused)."""
    ids: set[str] = set()
    for name in ("tune.jsonl", "heldout.jsonl"):
        for line in (OUT / name).read_text(encoding="utf-8").splitlines():
            ids.update(json.loads(line)["sources"])
    for line in (OUT / "excluded.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            ids.add(line.split("\t")[0])
    return ids


def matching() -> list[tuple[str, str]]:
    """(comment id, text) of first-person, not-sad-labelled comments on a nervous topic."""
    names = (GOEMOTIONS / "emotions.txt").read_text(encoding="utf-8").split()
    sad = {names.index(label) for label in LABELS}
    taken = existing_ids()
    out = []
    for split in ("train", "dev", "test"):
        for line in (GOEMOTIONS / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
            text, labels, comment_id = line.split("\t")
            if sad & {int(x) for x in labels.split(",")} or comment_id in taken:
                continue
            if FIRST_PERSON.search(text) and (TOPIC.search(text) or RISK_NET.search(text)):
                out.append((comment_id, text.strip()))
    return sorted(out, key=lambda it: order_key(it[0]))


def candidates() -> list[tuple[str, str]]:
    """The comments read by hand: the first CANDIDATES matching ones in hash order."""
    return matching()[:CANDIDATES]


def excluded() -> set[str]:
    """Ids left out by hand (present risk or arguable)."""
    lines = (OUT / "fresh_excluded.tsv").read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0] for line in lines if line and not line.startswith("#")}


def mine() -> None:
    """Print the pool's sentences that the backstop alone would pause a story on."""
    from nlu.safety.detector import RiskDetector, assess_rules
    from nlu.safety.prototypes import flag_level
    from nlu.safety.text import sentences

    scorer = RiskDetector(use_embeddings=True).load().scorer
    assert scorer is not None
    pool = [(cid, s) for cid, text in matching()[CANDIDATES:] for s in sentences(text)]
    pool = [(cid, s) for cid, s in pool if len(s) > 3 and not assess_rules(s).flagged]
    for (cid, s), p in zip(pool, scorer.score([s for _, s in pool]), strict=True):
        if flag_level(p, scorer.config) == 2:
            print(f"{cid}\t{s}")


def conversations(items: list[tuple[str, str]]) -> list[dict[str, object]]:
    """Two sentences a message, ten messages a conversation, as the other halves."""
    return grouped(items, "fresh")


def main() -> None:
    """Write fresh.jsonl (or list the candidates) and print what went in."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--list", action="store_true", help="print the candidates to read")
    ap.add_argument("--mine", action="store_true", help="print hard-negative candidates")
    args = ap.parse_args()
    if args.mine:
        mine()
        return
    found = candidates()
    if args.list:
        for cid, text in found:
            print(f"{cid}\t{text}")
        return
    left_out = excluded()
    unknown = left_out - {cid for cid, _ in found}
    assert not unknown, f"fresh_excluded.tsv ids that are not candidates: {sorted(unknown)}"
    kept = [(cid, t) for cid, t in found if cid not in left_out]
    print(f"matching comments: {len(matching())}; candidates read by hand: {len(found)}; "
          f"left out: {len(found) - len(kept)}; kept: {len(kept)}")
    write(conversations(kept), OUT / "fresh.jsonl")


if __name__ == "__main__":
    main()
