"""The review queue: installments that wait for the counselor before the client reads them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard.security import CounselorViewer, Forbidden, csrf_guard
from bot.dashboard.state import dash, render
from bot.dashboard.views import own_client

router = APIRouter()


@router.get("/review")
def queue(request: Request, who: CounselorViewer) -> Response:
    """Every pending item of the counselor's clients (private clients have none)."""
    store = dash(request).store
    items = []
    for link in store.clients_of(who.account.account_id):
        if store.get_privacy(link.user).private:
            continue
        items += [(link, h) for h in store.held(link.user) if h.status == "pending"]
    items.sort(key=lambda pair: pair[1].held_at)
    store.audit(who.actor, "view_review_queue")
    return render(request, "review_list.html", items=items)


def _item(request: Request, who: CounselorViewer, ref: str, installment_id: str):  # type: ignore[no-untyped-def]
    store = dash(request).store
    link = own_client(store, who, ref)
    if store.get_privacy(link.user).private:
        raise Forbidden("This client is in private mode: you see only safety alerts.")
    item = store.get_held(link.user, installment_id)
    if item is None:
        raise Forbidden("There is no such installment waiting for you.")
    return store, link, item


@router.get("/review/{ref}/{installment_id}")
def review_item(request: Request, ref: str, installment_id: str,
                who: CounselorViewer) -> Response:
    """One held installment, to approve, edit or reject."""
    store, link, item = _item(request, who, ref, installment_id)
    installment = store.get_installment(link.user, installment_id)
    store.audit(who.actor, "view_review_item", ref, detail=installment_id)
    return render(request, "review_item.html", link=link, item=item, installment=installment)


@router.post("/review/{ref}/{installment_id}", dependencies=[Depends(csrf_guard)])
def decide(
    request: Request, ref: str, installment_id: str, who: CounselorViewer,
    decision: Annotated[Literal["approve", "edit", "reject"], Form()],
    text: Annotated[str, Form(max_length=50_000)] = "",
    note: Annotated[str, Form(max_length=2_000)] = "",
) -> Response:
    """Record the decision; only now does the client receive anything."""
    store, link, item = _item(request, who, ref, installment_id)
    if decision == "approve" and text.strip() and text.strip() != item.delivery.text.strip():
        decision = "edit"  # the counselor changed the words and pressed approve
    try:
        done = store.decide_held(link.user, installment_id, who.actor, decision, text, note)
    except ValueError as exc:
        return render(request, "error.html", 400, title="Not saved", message=str(exc))
    if done is None:
        return render(request, "error.html", 409, title="Already decided",
                      message="Someone already decided on this installment.")
    store.audit(who.actor, f"review_{done.status}", ref, detail=installment_id)
    return RedirectResponse("/review", 303)
