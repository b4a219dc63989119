"""Security headers on every kind of answer, argon2id hashes written by the app's own paths, and login limits.

The access matrix checks the headers on every route for every visitor; here are the answers it does not make:
errors of each kind (400, 403, 404, 405, 413, 429, 500) as pages and as htmx fragments, static files, downloads.
test_auth.py holds the first login-limit tests and the session renewal; these complete them.
"""

from __future__ import annotations

import html
import itertools
import pathlib

import pytest
from sms_helpers import shared_app_fixtures
from sqlalchemy import select

from tests.access_world import (
    build_access_world,
    header_problems,
    inline_scripts,
    login_as,
    table_snapshot,
)
from tests.admin_world import PASSWORD
from tutti.models import Account

TEMPLATES = pathlib.Path(__file__).resolve().parent.parent / "templates"
HX = {"HX-Request": "true"}
_addresses = itertools.count(1)

app, db, shared = shared_app_fixtures()


@pytest.fixture(scope="module", autouse=True)
def failing_route(shared):
    """Give the module's app a route that fails, to see the answer of an unexpected error."""

    def boom():
        raise RuntimeError("échec voulu par le test")

    shared.app.add_url_rule("/_test/boom", "test_boom", boom, methods=["GET"])


@pytest.fixture
def world(db):
    return build_access_world(db)


def _client(app):
    """Return a client with an address of its own: the login limit counts per address."""
    client = app.test_client()
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.77.{n >> 8 & 255}.{n & 255}"
    return client


ANSWERS = {
    # name: (role, method, url, headers, expected status)
    "page": ("write", "GET", "/people", {}, 200),
    "fragment": ("write", "GET", "/people?q=a", HX, 200),
    "redirect": ("anonymous", "GET", "/people", {}, 302),
    "static": ("anonymous", "GET", "/static/css/tutti.css", {}, 200),
    "csv": ("admin", "GET", "/people/export.csv", {}, 200),  # the export needs « Personnes »
    "pdf": ("write", "GET", "/admin/sms/option/souscription.pdf", {}, 200),
    "404_page": ("write", "GET", "/nulle-part", {}, 404),
    "404_fragment": ("write", "GET", "/sms/campaigns/999999", HX, 404),
    "403_page": ("write", "GET", "/admin/audit", {}, 403),
    "403_gate": ("none", "GET", "/sms/compose", HX, 403),
    "405": ("write", "GET", "/logout", {}, 405),
    "413": ("write", "POST", "/sms/countdown", HX, 413),
    "500_page": ("write", "GET", "/_test/boom", {}, 500),
    "500_fragment": ("write", "GET", "/_test/boom", HX, 500),
    "reset_404": ("anonymous", "GET", "/reset/pas-un-lien", {}, 404),
}


@pytest.mark.parametrize("kind", ANSWERS)
def test_headers_on_every_kind_of_answer(app, world, kind):
    role, method, url, headers, status = ANSWERS[kind]
    client = _client(app)
    login_as(client, world, role)
    data = {"message": "a" * (3 * 1024 * 1024)} if status == 413 else None
    response = client.open(url, method=method, headers=headers, data=data)
    assert response.status_code == status
    assert header_problems(response) == []
    if response.mimetype == "text/html":
        assert inline_scripts(response.get_data(as_text=True)) == []


def test_error_500_says_nothing_was_sent_in_french(app, world):
    client = _client(app)
    login_as(client, world, "write")
    page = html.unescape(client.get("/_test/boom").get_data(as_text=True))
    assert "Rien n'a été envoyé" in page
    assert "échec voulu" not in page  # no trace of the internals


def test_headers_on_rate_limited_login(app, world):
    app.config["TUTTI_LOGIN_LIMIT"] = "2 per minute"
    try:
        client = _client(app)
        answers = [client.post("/login", data={"login": "admin-a", "password": "faux"}) for _ in range(3)]
    finally:
        app.config["TUTTI_LOGIN_LIMIT"] = "100000 per minute"
    assert answers[-1].status_code == 429
    assert header_problems(answers[-1]) == []


@pytest.mark.parametrize("path", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_template_has_no_inline_script(path):
    assert inline_scripts((TEMPLATES / path).read_text()) == []


def test_login_limit_counts_attempts_on_different_logins_together(app, world):
    # Trying many logins from one address (credential stuffing) is limited like trying one login many times.
    app.config["TUTTI_LOGIN_LIMIT"] = "3 per minute"
    try:
        client = _client(app)
        for login in ("admin-a", "compte-read", "compte-none"):
            client.post("/login", data={"login": login, "password": "faux"})
        response = client.post("/login", data={"login": "compte-write", "password": PASSWORD})
    finally:
        app.config["TUTTI_LOGIN_LIMIT"] = "100000 per minute"
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_login_limit_refusal_writes_nothing(app, db, world):
    app.config["TUTTI_LOGIN_LIMIT"] = "1 per minute"
    try:
        client = _client(app)
        client.post("/login", data={"login": "admin-a", "password": "faux"})
        before = table_snapshot(db)
        response = client.post("/login", data={"login": "admin-a", "password": PASSWORD})
    finally:
        app.config["TUTTI_LOGIN_LIMIT"] = "100000 per minute"
    assert response.status_code == 429
    assert table_snapshot(db) == before


def test_reset_link_guessing_is_rate_limited(app, world):
    client = _client(app)
    answers = [client.post(f"/reset/devine-{n}", data={"password": "x", "confirm": "x"}).status_code
               for n in range(31)]
    assert answers[:30] == [404] * 30
    assert answers[30] == 429


def test_password_set_through_reset_link_is_argon2id(app, db, world):
    client = _client(app)
    new = "une phrase de passe neuve"
    response = client.post(f"/reset/{world.token}", data={"password": new, "confirm": new})
    assert response.status_code == 302
    db.expire_all()
    stored = db.scalar(select(Account.password_hash).where(Account.login == "compte-extra"))
    assert stored.startswith("$argon2id$v=19$")
    assert new not in stored
    assert _client(app).post("/login", data={"login": "compte-extra", "password": new}).status_code == 302


def test_same_password_gets_different_hashes(db, world):
    hashes = db.scalars(select(Account.password_hash).where(Account.login.in_(["admin-a", "compte-read"]))).all()
    assert len(set(hashes)) == 2  # same password, a salt of its own each
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_logout_makes_a_copy_of_the_session_cookie_useless(app, world):
    client = _client(app)
    login_as(client, world, "write")
    copied = client.get_cookie("session").value
    client.post("/logout")
    replay = _client(app)
    replay.set_cookie("session", copied)
    response = replay.get("/people")
    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/login")


def test_logout_ends_only_that_session(app, world):
    # The structure's administrator account is shared: one secretary logging out leaves the others logged in.
    first, second = _client(app), _client(app)
    login_as(first, world, "admin")
    login_as(second, world, "admin")
    first.post("/logout")
    assert second.get("/people").status_code == 200
