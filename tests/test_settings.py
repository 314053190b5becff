"""The settings class and .env.example stay in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from worker.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ASSIGN = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def _example() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        m = ASSIGN.match(line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    assert set(_example()) == fields


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_env_example_shows_the_default(name: str) -> None:
    default = Settings.model_fields[name].default
    shown = _example()[name.upper()]
    if default is None:
        assert shown == ""
    else:
        value = default.get_secret_value() if hasattr(default, "get_secret_value") else default
        assert type(value)(shown) == value


def test_env_example_loads_as_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    loaded = Settings(_env_file=env)  # type: ignore[call-arg]
    assert loaded == Settings(_env_file=None)  # type: ignore[call-arg]
