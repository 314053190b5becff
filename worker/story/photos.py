"""Which photos belong beside an installment: the ones its moments were told with.

A photo scores for an installment when its caption is one of the turns the
installment retells, names a person or place the installment names, or dates
the same time as one of its events. The engine records the chosen ids on the
installment (``Installment.photo_ids``); the book places the rest the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from worker.store.book_records import Photo
from worker.store.records import Installment
from worker.store.store import Store

if TYPE_CHECKING:  # the profile imports the store: only for type hints here
    from worker.profile.model import LifeEvent

# Two photos beside one part: more would push the words off the page.
MAX_PER_INSTALLMENT = 2
# The weights of what ties a photo to a part: its caption being a told turn says most.
SAME_TURN, SAME_PERSON, SAME_PLACE, SAME_TIME = 4.0, 2.0, 2.0, 1.0
# Below this, a shared time alone: not enough to put a photo beside a part.
MIN_SCORE = 2.0


def _fold(names: Iterable[str]) -> set[str]:
    return {" ".join(n.casefold().removeprefix("your ").split()) for n in names if n}


def _overlaps(photo: Photo, events: Sequence[LifeEvent]) -> bool:
    if photo.time_start is None:
        return False
    end: date = photo.time_end or photo.time_start
    for e in events:
        tv = e.time_value
        if tv is not None and tv.start is not None and tv.start <= end and \
                photo.time_start <= (tv.end or tv.start):
            return True
    return False


def score(photo: Photo, inst: Installment, events: Sequence[LifeEvent] = ()) -> float:
    """How strongly a photo belongs beside an installment (0: not at all)."""
    total = SAME_TURN if photo.turn_id and photo.turn_id in inst.turn_ids else 0.0
    total += SAME_PERSON * len(_fold(photo.people) & _fold(inst.people))
    total += SAME_PLACE * len(_fold(photo.places) & _fold(inst.places))
    if _overlaps(photo, [e for e in events if e.event_id in inst.event_ids]):
        total += SAME_TIME
    return total


def pick(photos: Sequence[Photo], inst: Installment, events: Sequence[LifeEvent] = (),
         taken: Iterable[str] = ()) -> tuple[str, ...]:
    """The best photos for one installment, among those no earlier part shows."""
    used = set(taken)
    scored = [(score(p, inst, events), p.sent_at, p.photo_id) for p in photos
              if p.photo_id not in used]
    best = sorted((s for s in scored if s[0] >= MIN_SCORE), key=lambda s: (-s[0], s[1]))
    return tuple(photo_id for _, _, photo_id in best[:MAX_PER_INSTALLMENT])


def photos_for(store: Store, user: str, inst: Installment) -> tuple[str, ...]:
    """Photo ids to record on a new installment (the engine calls this before saving it)."""
    taken = {pid for earlier in store.installments(user) for pid in earlier.photo_ids
             if earlier.installment_id != inst.replaces}
    return pick(store.photos(user), inst, store.get_profile(user).events, taken)


def place_all(photos: Sequence[Photo], story: Sequence[Installment],
              events: Sequence[LifeEvent] = ()) -> dict[str, tuple[str, ...]]:
    """installment id -> photo ids for a whole story: recorded choices first, then the rest
    each beside the part it belongs to most (the earliest on a tie)."""
    known = {p.photo_id for p in photos}
    placed = {i.installment_id: tuple(p for p in i.photo_ids if p in known) for i in story}
    taken = {p for ids in placed.values() for p in ids}
    for photo in photos:
        if photo.photo_id in taken:
            continue
        best = max(((score(photo, i, events), -n) for n, i in enumerate(story)
                    if len(placed[i.installment_id]) < MAX_PER_INSTALLMENT), default=None)
        if best is None or best[0] < MIN_SCORE:
            continue
        inst = story[-best[1]]
        placed[inst.installment_id] = (*placed[inst.installment_id], photo.photo_id)
        taken.add(photo.photo_id)
    return placed
