"""How long a big book takes to render, and how large it is.

    PYTHONPATH=. python scripts/bench_book.py [--parts 100] [--photos 20] [--size a5|letter]

Builds a story of `parts` installments in chapters of ten (titled, with dated
moments and sourced sentences, so the sources are printed) and `photos` camera-sized
photos (4000 x 3000, taken in through the same intake as a chat's, so resized and
sealed), in an embedded Redis in a temporary folder. Then renders the PDF the way
/book and `storyloom book` do (gathering from the store, unsealing the photos, two
reportlab passes) and prints seconds (wall and this process's CPU, with the machine's
load average: on a shared box the CPU seconds are the steadier number), megabytes,
pages and images as one JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw  # noqa: E402

from worker.book.commands import BookRequest, make_files  # noqa: E402
from worker.conversation.photos import receive_photo  # noqa: E402
from worker.ops.connection import open_redis  # noqa: E402
from worker.profile.model import LifeEvent, Person, Place, Profile  # noqa: E402
from worker.settings import Settings  # noqa: E402
from worker.store.records import (  # noqa: E402
    Chapter,
    GenerationStats,
    Installment,
    SourcedSentence,
    StoryState,
    Turn,
)
from worker.store.store import Store  # noqa: E402
from worker.story.photos import photos_for  # noqa: E402

USER = "local:bench-book"
PEOPLE = ["Maria", "Tomás", "Ana", "Rui", "Inês", "Joaquim", "Beatriz", "Carlos"]
PLACES = ["Porto", "Braga", "Faro", "Lisbon", "Coimbra", "Aveiro", "Évora", "Viseu"]
SENTENCES = [
    "In {year} {who} and you walked along the river in {where}, the morning still cold.",
    "{who} laughed at something you said, and the sound stayed with you for years.",
    "The bakery on the corner of {where} smelled of bread and cinnamon all winter.",
    "You remember the bus that took you to {where}, and the way the hills went by.",
    "Later that summer {who} wrote you a letter that you kept in a drawer.",
    "There was music in the square in {where}, and everyone seemed to know the words.",
]


def _photo_bytes(n: int) -> bytes:
    """A camera-sized JPEG that compresses like a photo (gradients, shapes, grain)."""
    rng = random.Random(n)
    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(4000), rng.randrange(3000)
        r = rng.randrange(40, 400)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)  # type: ignore[arg-type]
    grain = Image.effect_noise((4000, 3000), 24).convert("RGB")
    image = Image.blend(image, grain, 0.15)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def _turn(store: Store, n: int, text: str, at: datetime) -> Turn:
    turn = Turn(turn_id=f"t{n}", user=USER, platform="local", chat_id=USER, seq=n, text=text,
                created_at=at)
    store.append_turn(turn)
    return turn


def build_story(store: Store, settings: Settings, parts: int, photos: int) -> None:
    """A story of `parts` installments and `photos` photos, stored as a chat would."""
    rng = random.Random(7)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    events, people, places = [], [], []
    stats = GenerationStats(model="bench", prompt_tokens=1, new_tokens=1, seconds=1,
                            tokens_per_s=1)
    photo_every = max(1, parts // max(photos, 1))
    for n in range(1, parts + 1):
        who, where, year = PEOPLE[n % 8], PLACES[n % 8], 1950 + n // 3
        said = f"In {year} I went to {where} with {who}, and we stayed until the autumn."
        turn = _turn(store, n, said, start + timedelta(days=n))
        event = LifeEvent(text=said, predicate="go", place=where, participants=(who,),
                          time=str(year), score=0.9, turn_id=turn.turn_id, said_at=turn.created_at,
                          time_value={"text": str(year), "start": date(year, 1, 1),
                                      "end": date(year, 12, 31), "precision": "year"})
        events.append(event)
        told = (turn.turn_id,)
        people.append(Person(name=who, first_seen=start, last_seen=start, turn_ids=told))
        places.append(Place(name=where, first_seen=start, last_seen=start, turn_ids=told))
        sentences = [SourcedSentence(text=rng.choice(SENTENCES).format(year=year, who=who,
                                                                       where=where),
                                     sources=(turn.turn_id,) if k == 0 else ())
                     for k in range(9)]
        text = " ".join(s.text for s in sentences[:5]) + "\n\n" + " ".join(
            s.text for s in sentences[5:])
        inst = Installment(user=USER, request_id=f"r{n}", number=n, text=text, tone="calm",
                           stats=stats, chapter=1 + (n - 1) // 10, event_ids=(event.event_id,),
                           people=(who,), places=(where,), turn_ids=(turn.turn_id,),
                           sentences=tuple(sentences))
        if n % photo_every == 0 and n // photo_every <= photos:
            receive_photo(store, settings, user=USER, platform="local",
                          platform_ref=f"bench:{n}", data=_photo_bytes(n),
                          caption=f"{who} in {where}, {year}", turn_id=turn.turn_id,
                          at=turn.created_at)
            inst = inst.model_copy(update={"photo_ids": photos_for(store, USER, inst)})
        store.save_installment(inst, None)
    store.save_profile(Profile(user=USER, people=tuple(people[:8]), places=tuple(places[:8]),
                               events=tuple(events)))
    chapters = tuple(Chapter(number=c, title=f"The years in {PLACES[c % 8]}",
                             starts_at=1 + (c - 1) * 10) for c in range(1, parts // 10 + 2))
    store.save_story_state(USER, StoryState(chapters=chapters, title="A life in Portugal",
                                            author="Maria Silva"))


def measure(parts: int, photos: int, size: str) -> dict[str, object]:
    """Seconds, bytes, pages and images of one rendered book."""
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(storyloom_data_dir=Path(tmp), redis_url=None)
        client, embedded = open_redis(settings)
        try:
            store = Store.from_settings(settings, client)
            build_story(store, settings, parts, photos)
            kept = len(store.photos(USER))
            started, cpu = time.perf_counter(), time.process_time()
            [pdf] = make_files(store, USER, BookRequest("pdf", size))  # type: ignore[arg-type]
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        finally:
            client.close()
            if embedded is not None:
                embedded.stop()
    reader = PdfReader(io.BytesIO(pdf.data))
    images = sum(len(page.images) for page in reader.pages)
    return {"parts": parts, "photos": kept, "size": size, "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2), "load_average": round(os.getloadavg()[0], 1),
            "megabytes": round(len(pdf.data) / 1024 / 1024, 2), "pages": len(reader.pages),
            "images": images}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", type=int, default=100)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--size", choices=("a5", "letter"), default="a5")
    args = parser.parse_args()
    print(json.dumps(measure(args.parts, args.photos, args.size)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
