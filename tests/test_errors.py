"""The French 500 page, even after a database error left the transaction failed."""

from __future__ import annotations

import pytest
from flask_login import current_user
from sqlalchemy import select, update

from blueprints.extensions import session
from tutti.models import Account, Structure


@pytest.fixture
def app(app_config):
    """The test app, with two routes that fail the way a database error does, inside a view."""
    from app import create_app
    from blueprints.extensions import db, limiter
    from tutti.models import create_all

    app = create_app(app_config)

    @app.route("/test-database-error")
    def database_error():
        assert current_user.is_authenticated  # the account is loaded before the error, as on every page
        # A negative balance breaks a CHECK constraint: a real error from the database, on SQLite and PostgreSQL.
        session().execute(update(Structure).values(credit_balance=-1))
        return "unreachable"

    @app.route("/test-nul-database-error")
    def nul_then_database_error():
        session().execute(select(Account).where(Account.login == "\x00"))  # PostgreSQL refuses NUL outright
        session().execute(update(Structure).values(credit_balance=-1))
        return "unreachable"

    with app.app_context():
        create_all(db.engine)
        limiter.reset()
    yield app
    app.extensions["tutti"]["queue"].empty()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_errors_database_error_shows_the_french_500_page(client, auth, demo):
    auth.login("secretariat")
    response = client.get("/test-database-error")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Erreur inattendue" in page and "réessayez dans un instant" in page
    assert "secretariat" in page  # the page of the app, with the account's menu: the session could read again
    assert "Internal Server Error" not in page


def test_errors_database_error_as_a_fragment_for_htmx(client, auth, demo):
    auth.login("secretariat")
    response = client.get("/test-database-error", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert page.lstrip().startswith('<section id="error"') and "Erreur inattendue" in page


def test_errors_next_request_after_a_database_error_works(client, auth, demo):
    auth.login("secretariat")
    assert client.get("/test-database-error").status_code == 500
    assert client.get("/people").status_code == 200
    with client.application.app_context():
        assert session().scalar(select(Structure.credit_balance).where(Structure.credit_balance < 0)) is None


def test_errors_database_error_for_an_anonymous_visitor(client, demo):
    response = client.get("/test-nul-database-error")
    assert response.status_code == 500
    assert "Erreur inattendue" in response.get_data(as_text=True)
