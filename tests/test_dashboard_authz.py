"""Authorization for every dashboard route, table-driven.

The table must name every route the app serves: a new route without a row
fails `test_the_table_covers_every_route`. Each row gives the status expected
for an anonymous browser, the client's own counselor, another counselor and
an admin; another counselor must never see the client's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import redis

from bot.dashboard.app import api_routes, create_app
from bot.dashboard.security import LOGIN_CSRF_COOKIE
from tests.dashboard_support import CANARY, World, browser_for, build_world
from worker.settings import Settings

ROLES = ("anon", "owner", "other", "admin")


@dataclass(frozen=True)
class Row:
    """Expected status per role, and the form a POST sends."""

    anon: int
    owner: int
    other: int
    admin: int
    form: dict[str, str] = field(default_factory=dict)


TABLE: dict[tuple[str, str], Row] = {
    ("GET", "/"): Row(303, 303, 303, 303),
    ("GET", "/login"): Row(200, 303, 303, 303),
    ("POST", "/login"): Row(401, 401, 401, 401, {"email": "x@example.org", "password": "no"}),
    ("POST", "/logout"): Row(303, 303, 303, 303),
    # the second step needs a half-done login (its cookie): without one, back to /login
    ("GET", "/login/code"): Row(303, 303, 303, 303),
    ("POST", "/login/code"): Row(303, 303, 303, 303, {"code": "123456"}),
    ("GET", "/login/enrol"): Row(303, 303, 303, 303),
    ("POST", "/login/enrol"): Row(303, 303, 303, 303, {"code": "123456"}),
    # a set-password link's token is its guard: a guessed one opens nothing
    ("GET", "/set-password/{token}"): Row(404, 404, 404, 404),
    ("POST", "/set-password/{token}"): Row(404, 404, 404, 404, {
        "password": "a new long password", "again": "a new long password"}),
    ("GET", "/clients"): Row(303, 200, 200, 403),
    ("GET", "/clients/{ref}"): Row(303, 200, 403, 403),
    ("POST", "/clients/{ref}/story"): Row(303, 303, 403, 403),
    ("POST", "/clients/{ref}/sessions"): Row(303, 409, 403, 403, {"template": "reminiscence"}),
    ("POST", "/clients/{ref}/sessions/end"): Row(303, 303, 403, 403),
    ("GET", "/invites"): Row(303, 200, 200, 403),
    ("POST", "/invites"): Row(303, 200, 200, 403),
    ("GET", "/review"): Row(303, 200, 200, 403),
    ("GET", "/review/{ref}/{installment_id}"): Row(303, 200, 403, 403),
    ("POST", "/review/{ref}/{installment_id}"): Row(303, 303, 403, 403, {"decision": "approve"}),
    ("GET", "/alerts"): Row(303, 200, 200, 200),
    ("POST", "/alerts/{alert_id}/ack"): Row(303, 303, 403, 303),
    ("POST", "/alerts/{alert_id}/resume"): Row(303, 303, 403, 303),
    ("GET", "/account"): Row(303, 200, 200, 200),
    ("POST", "/account/chat-code"): Row(303, 200, 200, 200),
    ("POST", "/account/password"): Row(303, 400, 400, 400, {
        "current": "not it", "password": "a new long password", "again": "a new long password"}),
    ("GET", "/admin/accounts"): Row(303, 403, 403, 200),
    ("POST", "/admin/accounts"): Row(303, 403, 403, 200, {
        "email": "new@example.org", "role": "counselor"}),
    ("POST", "/admin/accounts/{account_id}/reset"): Row(303, 403, 403, 200),
    ("POST", "/admin/accounts/{account_id}/disable"): Row(303, 403, 403, 303),
    ("GET", "/admin/audit"): Row(303, 403, 403, 200),
    # the family page answers a link's token, not an account: a guessed token opens nothing
    ("GET", "/family/{token}"): Row(404, 404, 404, 404),
    ("POST", "/family/{token}/ask"): Row(404, 404, 404, 404, {"question": "Tell us more?"}),
    ("GET", "/family/{token}/photos/{photo_id}.jpg"): Row(404, 404, 404, 404),
    ("GET", "/family/{token}/book.pdf"): Row(404, 404, 404, 404),
}
GUESSED = "G" * 43
# Forms that come before a session carry the login form's double-submit token.
LOGIN_FORMS = {"/login", "/login/code", "/login/enrol", "/set-password/{token}"}


def _path(template: str, world: World) -> str:
    return template.format(ref=world.ref, installment_id=world.installment_id,
                           alert_id=world.alert_id, account_id=world.other.account_id,
                           token=GUESSED, photo_id="0" * 32)


def test_the_table_covers_every_route(settings: Settings, client: redis.Redis) -> None:
    served = {(method, path) for method, path, _ in api_routes(create_app(settings, client))}
    assert served == set(TABLE), "every route needs a row in TABLE"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(TABLE), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_each_role_as_the_table_says(
    route: tuple[str, str], role: str, settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    method, template = route
    row = TABLE[route]
    account = {"anon": None, "owner": world.owner, "other": world.other,
               "admin": world.admin}[role]
    http, csrf = browser_for(world, account)
    if method == "GET":
        response = http.get(_path(template, world))
    else:
        form = {**row.form, "csrf_token": csrf}
        if template in LOGIN_FORMS:
            http.cookies.set(LOGIN_CSRF_COOKIE, "t" * 43)
            form["csrf_token"] = "t" * 43
        response = http.post(_path(template, world), data=form)
    assert response.status_code == getattr(row, role), response.text[:400]
    if role == "anon" and response.status_code == 303 and template not in LOGIN_FORMS:
        assert response.headers["location"].startswith("/login")
    if role in ("other", "admin"):
        assert CANARY not in response.text, "another account saw the client's words"


# (the family form has no session: its link's secret token is its guard, see test_family_page)
@pytest.mark.parametrize("route", sorted(r for r in TABLE if r[0] == "POST"
                                         and not r[1].startswith("/family")),
                         ids=lambda r: f"{r[0]} {r[1]}")
def test_every_post_refuses_a_missing_or_wrong_csrf_token(
    route: tuple[str, str], settings: Settings, client: redis.Redis
) -> None:
    world = build_world(settings, client)
    method, template = route
    account = world.admin if template.startswith("/admin") else world.owner
    http, csrf = browser_for(world, account)
    before = client.dbsize()
    for token in (None, "wrong", csrf[:-1]):
        form = dict(TABLE[route].form)
        if token is not None:
            form["csrf_token"] = token
        response = http.post(_path(template, world), data=form)
        assert response.status_code == 403, (token, response.status_code)
    assert client.dbsize() == before, "a refused POST changed nothing"


def test_a_post_from_another_site_is_refused(settings: Settings, client: redis.Redis) -> None:
    world = build_world(settings, client)
    http, csrf = browser_for(world, world.owner)
    response = http.post("/invites", data={"csrf_token": csrf},
                         headers={"origin": "https://evil.example"})
    assert response.status_code == 403
