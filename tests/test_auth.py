"""Login and logout: French messages, fresh sessions, a rate limit, CSRF and no open redirect."""

from __future__ import annotations

import itertools
from contextlib import contextmanager

import pytest
from conftest import csrf_token
from sqlalchemy import select

from tutti.accounts.passwords import check_password, hash_password
from tutti.directory.people import fold
from tutti.models import ACCOUNT_PERSONAL, Account, Person, Structure

PASSWORD = "bon-mot-de-passe"
WRONG = "Identifiant ou mot de passe incorrect."
_addresses = itertools.count(1)


@contextmanager
def database(app):
    """Work on the database in an app context of its own.

    Requests made while a test holds an app context share its `g`, so Flask-Login's cached user would
    leak from one request (and one client) to the next; requests here run outside any held context.
    """
    from blueprints.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def client(app):
    """Return a test client with an address of its own, so that login rate limits never leak between tests."""
    client = app.test_client()
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    return client


@pytest.fixture
def account(app) -> str:
    """Create a structure with a personal account « claire » and return its login."""
    with database(app) as db:
        structure = Structure(name="Chorale des Tilleuls")
        db.add(structure)
        db.flush()
        person = Person(structure_id=structure.id, first_name="Claire", last_name="Fontaine",
                        first_name_key=fold("Claire"), last_name_key=fold("Fontaine"))
        db.add(person)
        db.flush()
        db.add(Account(structure_id=structure.id, person_id=person.id, kind=ACCOUNT_PERSONAL, login="claire",
                       password_hash=hash_password(PASSWORD)))
        db.commit()
    return "claire"


def _logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def _update_account(app, login: str, **values) -> None:
    with database(app) as db:
        account = db.scalar(select(Account).where(Account.login == login))
        for name, value in values.items():
            setattr(account, name, value)
        db.commit()


def test_login_ok_redirects_to_people(account, auth, client):
    response = auth.login(account, PASSWORD)
    assert (response.status_code, response.headers["Location"]) == (302, "/people")
    assert client.get("/people").status_code == 200


def test_login_ignores_case_of_login(account, auth, client):
    assert auth.login("CLAIRE", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_login_wrong_password_refused_in_french(account, auth, client):
    response = auth.login(account, "pas-le-bon")
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_login_unknown_login_refused_with_same_message(account, auth, client):
    response = auth.login("inconnu", PASSWORD)
    assert WRONG in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_login_empty_fields_explained_in_french(account, client):
    page = client.post("/login", data={"login": "", "password": ""}).get_data(as_text=True)
    assert "Saisissez votre identifiant." in page
    assert "Saisissez votre mot de passe." in page


def test_login_disabled_account_refused(app, account, auth, client):
    _update_account(app, account, active=False)
    response = auth.login(account, PASSWORD)
    assert "Ce compte est désactivé" in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_login_disabling_account_ends_open_session(app, account, auth, client):
    auth.login(account, PASSWORD)
    _update_account(app, account, active=False)
    response = client.get("/people")
    assert (response.status_code, response.headers["Location"].split("?")[0]) == (302, "/login")


def test_login_session_version_bump_ends_open_session(app, account, auth, client):
    auth.login(account, PASSWORD)
    _update_account(app, account, session_version=2)
    assert client.get("/people").status_code == 302


def test_login_renews_session_cookie(account, auth, client):
    client.get("/login")
    with client.session_transaction() as session:
        session["before"] = "1"
    before = client.get_cookie("session").value
    auth.login(account, PASSWORD)
    assert client.get_cookie("session").value != before


def test_login_drops_values_planted_before(account, auth, client):
    with client.session_transaction() as session:
        session["planted"] = "par un attaquant"
    auth.login(account, PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_login_page_redirects_when_already_logged_in(account, auth, client):
    auth.login(account, PASSWORD)
    response = client.get("/login")
    assert (response.status_code, response.headers["Location"]) == (302, "/people")


def test_logout_ends_session(account, auth, client):
    auth.login(account, PASSWORD)
    response = auth.logout()
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert not _logged_in(client)
    assert client.get("/people").status_code == 302


def test_logout_says_so_in_french(account, auth, client):
    auth.login(account, PASSWORD)
    page = client.post("/logout", follow_redirects=True).get_data(as_text=True)
    assert "Vous êtes déconnecté." in page


def test_logout_by_get_refused(account, auth, client):
    auth.login(account, PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.get("/people").status_code == 200


@pytest.fixture
def limited_app(app_config, request):
    """Create an app that allows 3 login attempts a minute."""
    app_config["TUTTI_LOGIN_LIMIT"] = "3 per minute"
    return request.getfixturevalue("app")


def test_login_rate_limit_fourth_attempt_refused_in_french(limited_app, account, client):
    answers = [client.post("/login", data={"login": account, "password": "faux"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "Trop de tentatives" in answers[-1].get_data(as_text=True)


def test_login_rate_limit_refuses_even_the_right_password(limited_app, account, client):
    for _ in range(3):
        client.post("/login", data={"login": account, "password": "faux"})
    assert client.post("/login", data={"login": account, "password": PASSWORD}).status_code == 429
    assert not _logged_in(client)


def test_login_rate_limit_counts_per_address(limited_app, account, client):
    for _ in range(4):
        client.post("/login", data={"login": account, "password": "faux"})
    other = limited_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    assert other.post("/login", data={"login": account, "password": PASSWORD}).status_code == 302


def test_login_rate_limit_leaves_the_form_readable(limited_app, account, client):
    for _ in range(4):
        client.post("/login", data={"login": account, "password": "faux"})
    assert client.get("/login").status_code == 200


def test_password_stored_as_argon2id(app, account):
    with database(app) as db:
        stored = db.scalar(select(Account.password_hash).where(Account.login == account))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert check_password(stored, PASSWORD)


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$v=19$m=1024,t=1,p=1$YWJj$YWJj"])
def test_check_password_rejects_bad_hash_without_raising(stored):
    assert check_password(stored, PASSWORD) is False


def test_session_cookie_flags_in_production(app_config, request):
    # Production keeps the factory's default (SESSION_COOKIE_SECURE on); the test config turns it off.
    app_config.pop("SESSION_COOKIE_SECURE")
    app = request.getfixturevalue("app")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    request.getfixturevalue("account")
    client = request.getfixturevalue("client")
    response = client.post("/login", data={"login": "claire", "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags


def test_session_cookie_not_permanent_beyond_eight_hours(app):
    assert app.permanent_session_lifetime.total_seconds() <= 8 * 3600


@pytest.fixture
def csrf_app(app_config, request):
    """Create an app that checks CSRF tokens, as production does."""
    app_config["WTF_CSRF_ENABLED"] = True
    return request.getfixturevalue("app")


def test_csrf_login_without_token_refused(csrf_app, account, client):
    response = client.post("/login", data={"login": account, "password": PASSWORD})
    assert response.status_code == 400
    assert "Rechargez la page" in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_csrf_login_with_token_from_page_accepted(csrf_app, account, client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"login": account, "password": PASSWORD, "csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/people")


def test_csrf_logout_without_token_refused(csrf_app, account, client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"login": account, "password": PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert _logged_in(client)


def test_login_next_off_site_refused(account, app):
    targets = ["//evil.example", "https://evil.example", "/\\evil.example", "///evil.example", "/\t/evil.example",
               "/\n/evil.example", "javascript:alert(1)", "http:/evil.example"]
    landed = {}
    for target in targets:
        fresh = app.test_client()  # one login each: a logged-in client is sent to /people whatever `next` says
        fresh.environ_base["REMOTE_ADDR"] = f"10.254.{len(landed)}.1"
        response = fresh.post("/login", query_string={"next": target}, data={"login": account, "password": PASSWORD})
        landed[target] = response.headers.get("Location")
    assert landed == {target: "/people" for target in targets}


def test_login_next_local_page_followed(account, client):
    response = client.post("/login", query_string={"next": "/people?page=2"},
                           data={"login": account, "password": PASSWORD})
    assert response.headers["Location"] == "/people?page=2"


def test_login_required_page_sends_to_login_with_next(account, client):
    response = client.get("/people?page=2")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
