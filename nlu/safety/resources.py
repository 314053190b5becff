"""Crisis lines by locale, from the shipped resources.json."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

ServiceKind = Literal["crisis", "abuse", "children"]
_LOCALE_RE = re.compile(r"^([a-z]{2,3})(?:[-_]([a-z]{2}))?", re.IGNORECASE)


class CrisisService(BaseModel):
    """One helpline: how to reach it and what it is for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kinds: list[ServiceKind]
    phone: str | None = None
    sms: str | None = None
    url: str | None = None
    hours: str | None = None


class CrisisResources(BaseModel):
    """The helplines for one locale, plus its emergency number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    locale: str
    country: str
    language: str
    emergency: str
    services: list[CrisisService]
    is_default: bool = False

    def for_kind(self, kind: ServiceKind) -> list[CrisisService]:
        """Services of one kind, in listed order."""
        return [s for s in self.services if kind in s.kinds]


@lru_cache(maxsize=1)
def _table() -> dict[str, object]:
    raw = resources.files("nlu.safety").joinpath("resources.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(raw)
    return data


def normalise_locale(locale: object) -> tuple[str, str]:
    """('en-GB', 'en') from 'en_gb', 'EN-GB.UTF-8' and the like; ('', 'en') for junk."""
    if not isinstance(locale, str):
        return "", "en"
    m = _LOCALE_RE.match(locale.strip())
    if not m:
        return "", "en"
    lang = m.group(1).lower()
    region = (m.group(2) or "").upper()
    return (f"{lang}-{region}" if region else lang), lang


def supported_locales() -> list[str]:
    """Locales with their own helpline list."""
    locales = _table()["locales"]
    assert isinstance(locales, dict)
    return sorted(locales)


def crisis_resources(locale: str) -> CrisisResources:
    """Helplines for a locale; unknown locales get the international directory."""
    key, lang = normalise_locale(locale)
    locales = _table()["locales"]
    assert isinstance(locales, dict)
    if key in locales:
        return CrisisResources(locale=key, **locales[key])
    default = dict(_table()["default"])  # type: ignore[call-overload]
    # Keep the user's language for the reply even where we have no local lines.
    default["language"] = lang
    return CrisisResources(locale=key or "default", is_default=True, **default)
