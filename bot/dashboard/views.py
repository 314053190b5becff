"""What the dashboard shows of a client, gathered from the store in one place.

A counselor reaches a client only through :func:`own_client`; private mode
narrows the view to safety alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.dashboard.charts import ArcChart, Graph, arc_chart, people_graph
from bot.dashboard.security import Forbidden, Viewer
from worker.counsel.records import Alert, ClientLink, GuidedSession, HeldInstallment
from worker.profile.model import LifeEvent, timeline
from worker.store.records import Installment, SafetyState
from worker.store.store import Store

NOT_YOURS = "This is not one of your clients."
# Installment fields shown elsewhere on the page, or too long to show (the prompt);
# anything else the story engine records (scores, drafts, point of view) is listed.
_HIDDEN_FIELDS = {"schema_version", "installment_id", "user", "request_id", "number", "text",
                  "tone", "event_ids", "people", "places", "stats", "created_at", "prompt",
                  "prefix", "beats", "planned", "first_draft", "best_raw", "scores",
                  "requested_tone", "tone_target", "tone_override", "replaces"}
_SCORE_FIELDS = ("total", "faithfulness", "tone_match", "perplexity", "repetition",
                 "distinct_2", "invented", "safe")


def own_client(store: Store, who: Viewer, ref: str) -> ClientLink:
    """The counselor's own active client by ref; anything else is refused alike."""
    link = store.link_by_ref(ref)
    if link is None or link.counselor_id != who.account.account_id:
        raise Forbidden(NOT_YOURS)
    return link


def may_act_on(store: Store, who: Viewer, user: str) -> bool:
    """Admins act on any user's safety; counselors on their active clients'."""
    return who.account.role == "admin" or store.counselor_of(user) == who.account.account_id


@dataclass(frozen=True)
class InstallmentRow:
    """An installment with its scores and any safety override."""

    installment: Installment
    extras: dict[str, Any]
    scores: dict[str, Any]
    override: str | None
    review: HeldInstallment | None


@dataclass(frozen=True)
class ClientView:
    """Everything on a client's page."""

    link: ClientLink
    private: bool
    safety: SafetyState
    alerts: list[Alert]
    session: GuidedSession | None = None
    timeline: list[LifeEvent] = field(default_factory=list)
    arc: ArcChart | None = None
    graph: Graph | None = None
    installments: list[InstallmentRow] = field(default_factory=list)
    people: int = 0
    places: list[str] = field(default_factory=list)


def tone_override(data: dict[str, Any]) -> str | None:
    """How the tone safety floor changed the client's requested tone, if it did."""
    if not data.get("tone_override"):
        return None
    written = data.get("tone_target") or data.get("tone")
    return f"asked for {data.get('requested_tone') or 'another tone'}, written as {written}"


def _row(inst: Installment, review: HeldInstallment | None) -> InstallmentRow:
    data = inst.model_dump(mode="json")
    raw_scores = data.get("scores") or {}
    scores = {k: raw_scores[k] for k in _SCORE_FIELDS if k in raw_scores}
    extras = {k: v for k, v in data.items()
              if k not in _HIDDEN_FIELDS and v not in (None, "", [], {})}
    return InstallmentRow(inst, extras, scores, tone_override(data), review)


def _rows(store: Store, user: str) -> list[InstallmentRow]:
    held = {h.installment_id: h for h in store.held(user)}
    return [_row(inst, held.get(inst.installment_id)) for inst in store.installments(user)]


def client_view(store: Store, link: ClientLink) -> ClientView:
    """The client's page: only alerts and safety state when the client chose private mode."""
    user = link.user
    private = store.get_privacy(user).private
    base = ClientView(link=link, private=private, safety=store.get_safety(user),
                      alerts=store.user_alerts(user))
    if private:
        return base
    profile = store.get_profile(user)
    return ClientView(
        link=link, private=False, safety=base.safety, alerts=base.alerts,
        session=store.guided(user), timeline=timeline(profile), arc=arc_chart(profile.arc),
        graph=people_graph(profile), installments=_rows(store, user),
        people=len(profile.people), places=[p.name for p in profile.places],
    )


def when(event: LifeEvent) -> str:
    """When an event happened, as the client said it."""
    tv = event.time_value
    if tv is not None and tv.start is not None:
        return f"{event.time} ({tv.start.isoformat()})" if event.time else tv.start.isoformat()
    return event.time or "undated"
