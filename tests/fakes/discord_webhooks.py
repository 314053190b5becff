"""Interaction responses: the callback (3-second rule), @original and followup webhooks."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord_rest import Answer, DiscordRest, Handler, RestRequest
from tests.fakes.discord_world import DiscordError, InteractionState

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
EPHEMERAL, LOADING = 1 << 6, 1 << 7
UNKNOWN_INTERACTION = (404, 10062, "Unknown interaction")


@dataclass(frozen=True)
class InteractionAck:
    """One answer the bot gave to an interaction, with its delay from the push."""

    interaction_id: str
    kind: str
    type: int | None
    status: int
    at: float
    latency: float
    data: dict[str, Any] = field(default_factory=dict)


class InteractionRest:
    """Routes under /interactions and /webhooks; they carry the interaction token, not auth."""

    def __init__(self, rest: DiscordRest) -> None:
        self.rest = rest
        self.world = rest.world
        self.recorder = rest.recorder
        self.timeout = 3.0
        self.acks: list[InteractionAck] = []

    def routes(self) -> list[tuple[str, str, Handler, bool]]:
        """(method, path, handler, needs bot auth)."""
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        return [
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self.callback,
                False,
            ),
            ("POST", hook, self.followup, False),
            ("GET", hook + "/messages/{message_id}", self.get_message, False),
            ("PATCH", hook + "/messages/{message_id}", self.edit_message, False),
            ("DELETE", hook + "/messages/{message_id}", self.delete_message, False),
        ]

    def _note(
        self,
        state: InteractionState | None,
        iid: str,
        kind: str,
        kind_type: Any,
        status: int,
        data: Any,
    ) -> None:
        now = time.monotonic()
        latency = now - state.pushed_at if state else 0.0
        ack = InteractionAck(iid, kind, kind_type, status, now, latency, copy.deepcopy(data or {}))
        with self.recorder.lock:
            self.acks.append(ack)
            self.recorder.changed()

    async def callback(self, req: RestRequest) -> Answer:
        """POST /interactions/{id}/{token}/callback: must come within `timeout` s, only once."""
        iid = req.match["interaction_id"]
        body = dict(req.json or {})
        state = self.world.interactions.get(iid)
        status = 200
        try:
            answer = await self._callback(state, req, body)
            status = answer[0]
            return answer
        except DiscordError as err:
            status = err.status
            raise
        finally:
            self._note(state, iid, "callback", body.get("type"), status, body.get("data"))

    async def _callback(
        self, state: InteractionState | None, req: RestRequest, body: dict
    ) -> Answer:
        with self.recorder.lock:
            if state is None or state.payload["token"] != req.match["interaction_token"]:
                raise DiscordError(*UNKNOWN_INTERACTION)
            if time.monotonic() - state.pushed_at > self.timeout:
                raise DiscordError(*UNKNOWN_INTERACTION)
            if state.acked:
                raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
            kind = body.get("type")
            data = dict(body.get("data") or {})
            event, message = self._respond(state, kind, data, req.files)
            state.acked = True
            message = copy.deepcopy(message)
        if event and message and not message["flags"] & EPHEMERAL:
            await self.rest.echo(event, message)
        if req.query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        interaction = {
            "id": state.payload["id"],
            "type": state.payload["type"],
            "response_message_loading": kind == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }
        if state.original_id:
            interaction["response_message_id"] = state.original_id
        resource: dict[str, Any] = {"type": kind}
        if message is not None:
            resource["message"] = message
        return 200, {"interaction": interaction, "resource": resource}

    def _respond(
        self, state: InteractionState, kind: Any, data: dict, files: dict
    ) -> tuple[str, dict | None]:
        is_component = state.payload["type"] in (3, 5)
        if kind in (MESSAGE, DEFERRED_MESSAGE):
            if kind == MESSAGE:
                self.world.check_payload(data, files, creating=True)
            else:
                data = {"flags": (int(data.get("flags") or 0) & EPHEMERAL) | LOADING}
            message = self._create(state, data, files, "interaction")
            state.original_id = message["id"]
            return "MESSAGE_CREATE", message
        if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE) and is_component:
            message = self.world.message(state.original_id or "")
            if kind == UPDATE_MESSAGE:
                self.world.check_payload(data, files, creating=False)
                return "MESSAGE_UPDATE", self.world.edit_message(message, data)
            return "", None
        if kind in (8, 9, 10, 12) or (kind == PONG and state.payload["type"] == 1):
            return "", None  # autocomplete, modal, premium, launch: recorded only
        raise DiscordError(
            400, 50035, "Invalid Form Body", {"type": "INTERACTION_RESPONSE_TYPE_INVALID"}
        )

    def _create(self, state: InteractionState, data: dict, files: dict, via: str) -> dict:
        payload = state.payload
        channel = self.world.channel(payload["channel_id"])
        user = payload.get("user") or payload["member"]["user"]
        data.update(
            webhook_id=self.world.application_id,
            application_id=self.world.application_id,
            type=20 if payload["type"] == 2 else 0,
            interaction_metadata={
                "id": payload["id"],
                "type": payload["type"],
                "user": user,
                "authorizing_integration_owners": payload["authorizing_integration_owners"],
            },
        )
        message = self.world.create_message(channel, self.world.bot_user, data, files)
        self.world.record_post(message, via, files, payload["id"])
        return message

    def _by_token(self, req: RestRequest) -> InteractionState:
        if req.match["webhook_id"] != self.world.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        for state in self.world.interactions.values():
            if state.payload["token"] == req.match["webhook_token"]:
                return state
        raise DiscordError(404, 10015, "Unknown Webhook")

    def _target(self, req: RestRequest, state: InteractionState) -> dict[str, Any]:
        wanted = req.match["message_id"]
        if wanted == "@original":
            if not state.acked or state.original_id is None:
                raise DiscordError(404, 10008, "Unknown Message")
            wanted = state.original_id
        if wanted != state.original_id and wanted not in state.followups:
            raise DiscordError(404, 10008, "Unknown Message")
        return self.world.message(wanted)

    async def followup(self, req: RestRequest) -> Answer:
        """POST /webhooks/{app}/{token}: a followup, allowed once the interaction is acked."""
        data = dict(req.json or {})
        with self.recorder.lock:
            state = self._by_token(req)
            if not state.acked:
                raise DiscordError(404, 10015, "Unknown Webhook")
            self.world.check_payload(data, req.files, creating=True)
            message = self._create(state, data, req.files, "followup")
            state.followups.append(message["id"])
            message = copy.deepcopy(message)
        self._note(state, state.payload["id"], "followup", None, 200, data)
        if not message["flags"] & EPHEMERAL:
            await self.rest.echo("MESSAGE_CREATE", message)
        wait = req.query.get("wait", "").lower() in ("1", "true")
        return (200, message) if wait else (204, None)

    async def get_message(self, req: RestRequest) -> Answer:
        """GET @original or a followup."""
        with self.recorder.lock:
            return 200, copy.deepcopy(self._target(req, self._by_token(req)))

    async def edit_message(self, req: RestRequest) -> Answer:
        """PATCH @original (fills a deferred response) or a followup."""
        data = dict(req.json or {})
        with self.recorder.lock:
            state = self._by_token(req)
            message = self._target(req, state)
            self.world.check_payload(data, req.files, creating=False)
            message = copy.deepcopy(self.world.edit_message(message, data))
        self._note(state, state.payload["id"], "edit", None, 200, data)
        if not message["flags"] & EPHEMERAL:
            await self.rest.echo("MESSAGE_UPDATE", message)
        return 200, message

    async def delete_message(self, req: RestRequest) -> Answer:
        """DELETE @original or a followup."""
        with self.recorder.lock:
            state = self._by_token(req)
            message = self.world.delete_message(self._target(req, state)["id"])
        self._note(state, state.payload["id"], "delete", None, 204, {})
        gone = {"id": message["id"], "channel_id": message["channel_id"]}
        if message.get("guild_id"):
            gone["guild_id"] = message["guild_id"]
        await self.rest.echo("MESSAGE_DELETE", gone)
        return 204, None
