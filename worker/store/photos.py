"""Photos: their records and image bytes, both sealed under the user's data key."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Literal

from worker.store import crypto
from worker.store.base import StoreBase
from worker.store.book_records import Photo

logger = logging.getLogger(__name__)

Size = Literal["print", "screen"]


class PhotoStore(StoreBase):
    """Keeps a user's photos (a print and a screen copy of each) and what links them."""

    def save_photo(self, photo: Photo, images: dict[Size, bytes]) -> None:
        """Store a photo's record and its sealed images together."""
        user = photo.user
        key = self._data_key(user)
        assert key is not None
        with self.redis.pipeline() as pipe:
            for size, data in images.items():
                pipe.set(self.keys.photo_image(user, photo.photo_id, size),
                         crypto.seal(user, key, data))
            pipe.hset(self.keys.photos(user), photo.photo_id, self._dump(user, photo))
            pipe.execute()

    def update_photo(self, photo: Photo) -> None:
        """Overwrite a photo's record (its caption, turn and what the caption names)."""
        self.redis.hset(self.keys.photos(photo.user), photo.photo_id,
                        self._dump(photo.user, photo))

    def photo(self, user: str, photo_id: str) -> Photo | None:
        """One photo's record."""
        key = self.keys.photos(user)
        return self._load(Photo, self.redis.hget(key, photo_id), key, user)

    def photos(self, user: str) -> list[Photo]:
        """Every photo of the user, in the order sent."""
        key = self.keys.photos(user)
        loaded = (self._load(Photo, raw, key, user) for raw in self.redis.hvals(key))
        return sorted((p for p in loaded if p is not None), key=lambda p: p.sent_at)

    def photo_image(self, user: str, photo_id: str, size: Size = "print") -> bytes | None:
        """A photo's JPEG bytes in one size; None when missing or its key was destroyed."""
        blob = self.redis.get(self.keys.photo_image(user, photo_id, size))
        if blob is None:
            return None
        kid = crypto.sealed_key_id(blob)
        key = self._data_key(user, kid) if kid is not None else None
        if key is None:
            logger.info("a photo of user %s does not open (no key)", user)
            return None
        try:
            return crypto.unseal(user, key, blob)
        except crypto.KeyError_:
            self.dead_letter(self.keys.photo_image(user, photo_id, size), b"",
                             "photo: does not open for this user")
            return None

    def waiting_for_caption(self, user: str, now: datetime, within_s: float) -> Photo | None:
        """The latest photo sent without a caption in the last within_s seconds, if any."""
        recent = [p for p in self.photos(user) if p.turn_id is None
                  and now - p.sent_at <= timedelta(seconds=within_s)]
        return recent[-1] if recent else None

    def photos_of_turn(self, user: str, turn_id: str) -> list[Photo]:
        """The photos a turn's text is the caption of."""
        return [p for p in self.photos(user) if p.turn_id == turn_id]
