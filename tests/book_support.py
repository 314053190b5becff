"""A small stored story for book, version and family tests: parts, chapters, dated moments,
sourced sentences, photos (taken in through the real photo intake) and a pseudonym."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from PIL import Image, ImageDraw

from worker.conversation.photos import receive_photo
from worker.profile.model import LifeEvent, Person, Place, Profile
from worker.settings import Settings
from worker.store.records import (
    Chapter,
    Delivery,
    GenerationStats,
    Installment,
    SourcedSentence,
    StoryState,
    Turn,
)
from worker.store.store import Store

STATS = GenerationStats(model="m", prompt_tokens=1, new_tokens=1, seconds=1, tokens_per_s=1)
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def jpeg(width: int = 800, height: int = 600, colour: str = "teal") -> bytes:
    """A real JPEG photo (a coloured picture with a shape)."""
    image = Image.new("RGB", (width, height), colour)
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, width // 2, height // 2),
                                  fill="orange")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@dataclass
class Story:
    """What was stored: the user, the parts' ids, the turns and the photos."""

    user: str
    parts: list[Installment]
    turns: list[Turn]
    photo_ids: list[str]


def _turn(store: Store, user: str, n: int, text: str) -> Turn:
    turn = Turn(turn_id=f"{user}-t{n}", user=user, platform="local", chat_id=user, seq=n,
                text=text, created_at=START + timedelta(days=n))
    store.append_turn(turn)
    return turn


MOMENTS = [
    (1962, "Rosa", "Braga", "In 1962 Rosa and I opened a bakery in Braga."),
    (1968, "Tomás", "Porto", "In 1968 my brother Tomás took me to the sea in Porto."),
    (1975, "Rosa", "Faro", "In 1975 Rosa moved to Faro and wrote me every week."),
]


def make_story(store: Store, settings: Settings, user: str, canary: str = "",
               photos: int = 2) -> Story:
    """Three parts in two titled chapters, each retelling a dated turn; photos of the first."""
    turns, parts, events = [], [], []
    for n, (year, who, where, said) in enumerate(MOMENTS, start=1):
        turn = _turn(store, user, n, said + (f" {canary}" if canary else ""))
        turns.append(turn)
        events.append(LifeEvent(
            text=said, predicate="go", participants=(who,), place=where, time=str(year),
            time_value={"text": str(year), "start": date(year, 1, 1), "end": date(year, 12, 31),
                        "precision": "year"},
            score=0.9, turn_id=turn.turn_id, said_at=turn.created_at))
        first = f"You remember {year}, when {who} was there with you in {where}."
        second = "The light was soft and nobody hurried." + (f" {canary}." if canary else "")
        inst = Installment(
            user=user, request_id=f"{user}-r{n}", number=n, tone="calm", stats=STATS,
            text=f"{first} {second}", chapter=1 if n < 3 else 2,
            event_ids=(events[-1].event_id,), people=(who,), places=(where,),
            turn_ids=(turn.turn_id,),
            sentences=(SourcedSentence(text=first, sources=(turn.turn_id,)),
                       SourcedSentence(text=second)))
        assert store.save_installment(inst, Delivery(user=user, kind="installment",
                                                     text=inst.text,
                                                     installment_id=inst.installment_id))
        parts.append(inst)
    photo_ids = []
    for k in range(photos):
        intake = receive_photo(store, settings, user=user, platform="local",
                               platform_ref=f"test:{k}", data=jpeg(colour=("teal", "navy")[k % 2]),
                               caption=f"Rosa at the bakery in Braga, 1962 ({k + 1})",
                               turn_id=turns[0].turn_id, at=turns[0].created_at)
        assert intake.photo is not None
        photo_ids.append(intake.photo.photo_id)
        store.update_photo(intake.photo.model_copy(update={
            "people": ("Rosa",), "places": ("Braga",), "time": "1962",
            "time_start": date(1962, 1, 1), "time_end": date(1962, 12, 31)}))
    store.save_profile(Profile(
        user=user, events=tuple(events),
        people=(Person(name="Rosa", relation="friend", first_seen=START, last_seen=START,
                       turn_ids=(turns[0].turn_id, turns[2].turn_id), mentions=2),
                Person(name="Tomás", relation="brother", first_seen=START, last_seen=START,
                       turn_ids=(turns[1].turn_id,))),
        places=tuple(Place(name=p, first_seen=START, last_seen=START, turn_ids=(t.turn_id,))
                     for p, t in zip(("Braga", "Porto", "Faro"), turns, strict=True))))
    store.save_story_state(user, StoryState(
        chapters=(Chapter(number=1, title="The bakery years", starts_at=1),
                  Chapter(number=2, title="Letters from Faro", starts_at=3)),
        title="Flour and Letters", author="Maria Silva"))
    return Story(user, parts, turns, photo_ids)
