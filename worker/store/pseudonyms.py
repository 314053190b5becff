"""Pseudonyms: the names a user wants other people to carry in their exports."""

from __future__ import annotations

from worker.counsel.records import Pseudonyms
from worker.store.base import StoreBase

MAX_PSEUDONYMS = 200


class PseudonymStore(StoreBase):
    """Reads and writes a user's pseudonyms (sealed like any user record)."""

    def pseudonyms(self, user: str) -> dict[str, str]:
        """Real name -> pseudonym."""
        key = self.keys.pseudonyms(user)
        found = self._load(Pseudonyms, self.redis.get(key), key, user)
        return dict(found.names) if found else {}

    def set_pseudonym(self, user: str, name: str, pseudonym: str | None) -> dict[str, str]:
        """Give a person a pseudonym (None removes it); ValueError past the limit."""
        names = self.pseudonyms(user)
        if pseudonym is None:
            names.pop(name, None)
        else:
            if name not in names and len(names) >= MAX_PSEUDONYMS:
                raise ValueError(f"at most {MAX_PSEUDONYMS} pseudonyms")
            names[name] = pseudonym
        self.redis.set(self.keys.pseudonyms(user), self._dump(user, Pseudonyms(names=names)))
        return names
