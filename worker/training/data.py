"""A user's training data, built from the store, each example with its turn lineage.

What the user wrote in their own words (turns, /edit texts) teaches their voice;
installments they kept (moved on from, never undone or redone) teach the story
they accept; preference pairs are kept for preference tuning. Where a part has
several versions, only the one the user shows now counts (/versions). Turns the user
withheld (private, withdrawn) are left out, and so is anything told from them.
PII (emails, phone numbers, street addresses) is redacted before training.

Held out: every k-th piece of the user's own words (turns and edits), so the
held-out text is theirs, spread over time, and never trained on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from worker.counsel.pii import redact_pii
from worker.store.records import PreferencePair
from worker.store.store import Store
from worker.training.records import TrainingExample

# A turn this short ("yes", "ok") says nothing about a voice.
MIN_WORDS = 4
OWN_WORDS = ("turn", "edit")


@dataclass
class Dataset:
    """A user's examples: train, held-out, and preference pairs (not trained on here)."""

    train: list[TrainingExample] = field(default_factory=list)
    heldout: list[TrainingExample] = field(default_factory=list)
    pairs: list[TrainingExample] = field(default_factory=list)

    @property
    def turn_ids(self) -> tuple[str, ...]:
        """Every turn the data came from, sorted (the lineage saved with an adapter)."""
        ids = {t for e in self.train + self.heldout + self.pairs for t in e.turn_ids}
        return tuple(sorted(ids))

    def fingerprint(self) -> str:
        """A digest of the data (what changed since the last fine-tune)."""
        h = hashlib.sha256()
        for e in self.train + self.heldout:
            h.update(e.source_id.encode() + b"\0" + e.text.encode() + b"\0")
        return h.hexdigest()[:16]


def _clean(ids: tuple[str, ...], withheld: set[str]) -> bool:
    return not set(ids) & withheld


def turn_examples(store: Store, user: str, withheld: set[str]) -> list[TrainingExample]:
    """The user's own turns, in the order said (commands and tiny turns left out)."""
    out = []
    for turn in store.turns(user):
        text = turn.text.strip()
        if turn.turn_id in withheld or text.startswith("/") or len(text.split()) < MIN_WORDS:
            continue
        out.append(TrainingExample(kind="turn", source_id=turn.turn_id, text=redact_pii(text),
                                   turn_ids=(turn.turn_id,)))
    return out


def story_examples(store: Store, user: str, withheld: set[str]) -> list[TrainingExample]:
    """/edit texts (the user's words for an installment) and installments they kept."""
    out = []
    in_story = {i.installment_id for i in store.installments(user)}
    kept: set[str] = set()
    for fb in store.story_feedback(user):
        if not _clean(fb.turn_ids, withheld):
            continue
        # an edit the user later set aside (/versions chose another version) is not theirs now
        if fb.kind == "edited" and fb.edited and (fb.replaced_by is None
                                                  or fb.replaced_by in in_story):
            out.append(TrainingExample(kind="edit", source_id=fb.feedback_id,
                                       text=redact_pii(fb.edited), prompt=fb.prompt,
                                       turn_ids=fb.turn_ids))
        elif fb.kind == "kept" and fb.installment_id in in_story:
            kept.add(fb.installment_id)
    # a version the user went back to (/versions) is one they chose to keep
    kept |= {p.chosen_id for p in store.preference_pairs(user)
             if p.source == "chosen" and p.chosen_id in in_story and _clean(p.turn_ids, withheld)}
    for inst_id in sorted(kept):
        inst = store.get_installment(user, inst_id)
        if inst is not None and inst.source == "model":
            out.append(TrainingExample(kind="installment", source_id=inst_id,
                                       text=redact_pii(inst.text), prompt=inst.prompt,
                                       turn_ids=inst.turn_ids))
    return out


def _contradicted(pair: PreferencePair, in_story: set[str]) -> bool:
    """True when the user now shows the version this pair rejected, not the one it chose."""
    return (pair.rejected_id is not None and pair.rejected_id in in_story
            and pair.chosen_id not in in_story)


def pair_examples(store: Store, user: str, withheld: set[str]) -> list[TrainingExample]:
    """Preference pairs (chosen over rejected), for preference tuning; a pair the user's
    later choice of version contradicts (/versions went back) is left out."""
    in_story = {i.installment_id for i in store.installments(user)}
    return [TrainingExample(kind="pair", source_id=p.pair_id, text=redact_pii(p.chosen),
                            rejected=redact_pii(p.rejected), prompt=p.prompt,
                            turn_ids=p.turn_ids)
            for p in store.preference_pairs(user)
            if _clean(p.turn_ids, withheld) and not _contradicted(p, in_story)]


def split(examples: list[TrainingExample], heldout: float) -> tuple[list, list]:
    """(train, held-out): every k-th piece of the user's own words is held out."""
    own = [e for e in examples if e.kind in OWN_WORDS]
    if len(own) < 2:
        return examples, []
    every = max(2, round(1 / heldout))
    held_ids = {e.source_id for i, e in enumerate(own) if i % every == every - 1}
    held_ids = held_ids or {own[-1].source_id}
    train = [e for e in examples if e.source_id not in held_ids]
    held = [e.model_copy(update={"heldout": True}) for e in examples if e.source_id in held_ids]
    return train, held


def build_dataset(store: Store, user: str, heldout: float) -> Dataset:
    """Everything the user's next fine-tune learns from, split and with lineage."""
    withheld = set(store.withheld_turns(user))
    examples = turn_examples(store, user, withheld) + story_examples(store, user, withheld)
    train, held = split(examples, heldout)
    return Dataset(train=train, heldout=held, pairs=pair_examples(store, user, withheld))
