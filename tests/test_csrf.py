"""CSRF, checked as production checks it: every state-changing route refuses a missing, forged or foreign token.

The routes come from the access matrix (`ROUTES`), whose own test makes sure every route of the app is listed there.
Each route is tried by a visitor the matrix says may use it: without a token, with a made-up token, and with the
token of another visitor's session, it answers 400 with the French message and writes nothing; with the visitor's own
token it does what the matrix expects, so the refusals are the token's doing and nothing else's.
"""

from __future__ import annotations

import pytest
from conftest import csrf_token
from sms_helpers import shared_app_fixtures
from test_access_matrix import ROUTES, Route, outcome, url_of

from tests.access_world import ROLES, AccessWorld, build_access_world, table_snapshot
from tests.admin_world import PASSWORD

STATE_CHANGING = [r for r in ROUTES if r.method in ("POST", "PUT", "PATCH", "DELETE") and r.csrf]
REFUSED = ("login", 403, 404, "gate")
EXPIRED = "Votre session a expiré ou le formulaire est périmé"

app, db, shared = shared_app_fixtures()


@pytest.fixture(autouse=True)
def csrf_on(app):
    """Check CSRF tokens as production does (the test settings turn the check off)."""
    app.config["WTF_CSRF_ENABLED"] = True


def actor(route: Route) -> str:
    """Return a role the matrix lets use the route: one whose request may write, else one that is not refused."""
    if route.writes:
        return route.writes[0]
    allowed = [role for role in ROLES[1:] if route.expect[ROLES.index(role)] not in REFUSED]
    return allowed[0] if allowed else "admin"


def sign_in(client, w: AccessWorld, role: str) -> str:
    """Log in with the login page's token, as a browser does; return the token the session's pages carry."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    if role == "anonymous":
        return token
    response = client.post("/login", data={"login": w.logins[role], "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, f"login as {role}: {response.status_code}"
    return csrf_token(client.get("/sms/faq").get_data(as_text=True))


def post(app, client, route: Route, w: AccessWorld, token: str | None):
    """Send the route's request, the token where the app's pages put it (htmx: a header; a form: a field)."""
    data, headers = dict(route.form(w)), {}
    if route.hx:
        headers["HX-Request"] = "true"
        if token is not None:
            headers["X-CSRFToken"] = token
    elif token is not None:
        data["csrf_token"] = token
    return client.open(url_of(app, route, w), method=route.method, data=data, headers=headers)


@pytest.mark.parametrize("case", ("missing", "forged", "other_session"))
@pytest.mark.parametrize("route", STATE_CHANGING, ids=lambda r: r.id)
def test_csrf_bad_token_refused_and_nothing_written(app, db, route, case):
    w = build_access_world(db)
    role = actor(route)
    client = app.test_client()
    own = sign_in(client, w, role)
    other = sign_in(app.test_client(), w, "read" if role != "read" else "write")
    token = {"missing": None, "forged": own[:-4] + "AAAA", "other_session": other}[case]
    before = table_snapshot(db)
    response = post(app, client, route, w, token)
    assert response.status_code == 400, f"{route.id} as {role} with a {case} token: {response.status_code}"
    assert EXPIRED in response.get_data(as_text=True)
    assert table_snapshot(db) == before


@pytest.mark.parametrize("route", STATE_CHANGING, ids=lambda r: r.id)
def test_csrf_own_token_accepted(app, db, route):
    w = build_access_world(db)
    role = actor(route)
    client = app.test_client()
    token = sign_in(client, w, role)
    assert outcome(post(app, client, route, w, token)) == route.expect[ROLES.index(role)]


def test_csrf_token_from_before_login_useless_after(app, db):
    # The session is renewed at login: a token planted before it (session fixation) no longer works.
    w = build_access_world(db)
    client = app.test_client()
    before_login = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"login": w.logins["write"], "password": PASSWORD, "csrf_token": before_login})
    snapshot = table_snapshot(db)
    response = client.post("/admin/contact", data={"subject": "option", "reply_to": "a@b.fr", "message": "Bonjour",
                                                   "csrf_token": before_login})
    assert response.status_code == 400
    assert table_snapshot(db) == snapshot


def test_csrf_session_cookie_from_before_login_is_not_logged_in(app, db):
    w = build_access_world(db)
    client = app.test_client()
    client.get("/login")
    old_cookie = client.get_cookie("session").value
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"login": w.logins["write"], "password": PASSWORD, "csrf_token": token})
    assert client.get_cookie("session").value != old_cookie
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    response = replay.get("/people")
    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/login")
