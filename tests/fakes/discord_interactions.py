"""INTERACTION_CREATE payloads for slash commands and component clicks."""

from __future__ import annotations

import secrets
from typing import Any

from tests.fakes.discord_objects import ALL_PERMISSIONS
from tests.fakes.discord_world import DiscordWorld

APPLICATION_COMMAND, MESSAGE_COMPONENT = 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, NUMBER = 3, 4, 5, 10
PY_TYPES: dict[int, type | tuple[type, ...]] = {
    STRING: str,
    INTEGER: int,
    BOOLEAN: bool,
    NUMBER: (int, float),
}


def find_command(world: DiscordWorld, name: str, guild_id: str | None) -> dict[str, Any]:
    """The registered command (guild commands first); Discord delivers nothing else."""
    for scope in ([guild_id] if guild_id else []) + [None]:
        for command in world.commands.get(scope, []):
            if command["name"] == name and command.get("type", 1) == 1:
                return command
    raise ValueError(f"slash command {name!r} is not registered (sync the CommandTree first)")


def _leaf_options(schema: list[dict], values: dict[str, Any], path: str) -> list[dict[str, Any]]:
    by_name = {option["name"]: option for option in schema}
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
    if missing:
        raise ValueError(f"/{path}: required options missing: {missing}")
    options = []
    for name, value in values.items():
        option = by_name.get(name)
        if option is None:
            raise ValueError(f"/{path} has no option {name!r}")
        kind = option["type"]
        expected = PY_TYPES.get(kind)
        if expected is None:
            raise ValueError(f"option type {kind} is not supported by the fake")
        if not isinstance(value, expected) or (kind != BOOLEAN and isinstance(value, bool)):
            raise ValueError(f"/{path} option {name!r} wants type {kind}, got {value!r}")
        options.append({"name": name, "type": kind, "value": value})
    return options


def command_data(command: dict, path: list[str], values: dict[str, Any]) -> dict[str, Any]:
    """Interaction data for `/name [group] [sub] key:value...`, typed by the registered schema."""
    schema = command.get("options", [])
    nested: list[dict[str, Any]] = []
    wrappers: list[dict[str, Any]] = []
    for part in path[1:]:
        match = [
            o for o in schema if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
        ]
        if not match:
            raise ValueError(f"/{' '.join(path)}: no subcommand {part!r}")
        wrappers.append({"name": part, "type": match[0]["type"]})
        schema = match[0].get("options", [])
    if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema):
        raise ValueError(f"/{' '.join(path)} needs a subcommand")
    nested = _leaf_options(schema, values, " ".join(path))
    for wrapper in reversed(wrappers):
        nested = [{**wrapper, "options": nested}]
    data: dict[str, Any] = {"id": command["id"], "name": command["name"], "type": 1}
    if nested:
        data["options"] = nested
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return data


def base_interaction(
    world: DiscordWorld, kind: int, user: dict[str, Any], channel: dict[str, Any]
) -> dict[str, Any]:
    """Fields every interaction carries; guild ones have `member`, DM ones `user`."""
    payload: dict[str, Any] = {
        "id": world.ids.next(),
        "application_id": world.application_id,
        "type": kind,
        "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(32),
        "version": 1,
        "channel_id": channel["id"],
        "channel": {k: v for k, v in channel.items() if k != "recipients"},
        "app_permissions": ALL_PERMISSIONS,
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if channel.get("guild_id"):
        member = dict(world.members[user["id"]])
        member["permissions"] = ALL_PERMISSIONS
        payload.update(
            guild_id=channel["guild_id"],
            guild={"id": channel["guild_id"], "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member,
            authorizing_integration_owners={"0": channel["guild_id"]},
            context=0,
        )
    else:
        payload.update(user=user, authorizing_integration_owners={"1": user["id"]}, context=1)
    return payload


def component_data(message: dict, custom_id: str, values: list[str] | None) -> dict[str, Any]:
    """Data of a click on a button (or a choice in a string select when values are given)."""
    found = None
    stack = list(message.get("components", []))
    while stack:
        component = stack.pop()
        if component.get("custom_id") == custom_id:
            found = component
        stack.extend(component.get("components", []))
    if found is None:
        raise ValueError(f"message {message['id']} has no component with that custom_id")
    if found.get("disabled"):
        raise ValueError("that component is disabled; a real client cannot use it")
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": found["type"]}
    if values is not None:
        data["values"] = values
    return data
