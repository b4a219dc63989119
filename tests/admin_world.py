"""A small world for the administration tests: two structures, one account per role, an order, a contact request."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from tutti.accounts import accounts, reset_links
from tutti.directory import people
from tutti.models import Account
from tutti.structures import contact_requests, credit_orders, sms_settings, structures

PASSWORD = "motdepasse-test"
ROLES = ("anonymous", "admin", "none", "read", "write", "other_admin", "operator")


@dataclass
class World:
    """Ids the tests need."""

    school: int = 0
    band: int = 0
    people: dict[str, int] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    band_person: int = 0
    order: int = 0
    order2: int = 0
    band_order: int = 0
    contact: int = 0
    token: str = ""


def build_world(db) -> World:
    """Create the world through the domain verbs, as the command line does."""
    w = World()
    school = structures.create_structure(db, "École de musique d'Aubin")
    band = structures.create_structure(db, "Harmonie de Valmont")
    w.school, w.band = school.id, band.id
    for structure in (school, band):
        sms_settings.set_sms_option(db, structure.id, True, None)
    accounts.create_admin_account(db, school.id, "admin-a", PASSWORD)
    accounts.create_admin_account(db, band.id, "admin-b", PASSWORD)
    accounts.create_operator_account(db, "operateur", PASSWORD)
    for key, first, mobile in (("target", "Théo", "06 11 11 11 11"), ("none", "Noé", "06 22 22 22 22"),
                               ("read", "Léa", "06 33 33 33 33"), ("write", "Zoé", "06 44 44 44 44"),
                               ("victim", "Inès", "06 55 55 55 55"), ("extra", "Éloïse", "06 66 66 66 66")):
        w.people[key] = people.create_person(db, school.id, first, "Martin", mobile).id
    for key, level in (("none", 0), ("read", 1), ("write", 2), ("victim", 0), ("extra", 0)):
        login = f"compte-{key}"
        accounts.create_personal_account(db, school.id, w.people[key], login, None, password=PASSWORD, sms_level=level)
        w.logins[key] = login
    w.logins.update(admin="admin-a", other_admin="admin-b", operator="operateur")
    w.band_person = people.create_person(db, band.id, "Hervé", "Valmont", "06 77 77 77 77").id
    w.order = credit_orders.order_credit(db, school.id, 100, None).id
    w.order2 = credit_orders.order_credit(db, school.id, 500, None).id
    w.band_order = credit_orders.order_credit(db, band.id, 1000, None).id
    writer = db.scalar(select(Account).where(Account.login == "compte-write"))
    w.contact = contact_requests.send_contact_request(db, school.id, writer, "option", "zoe@example.org", "Bonjour").id
    extra = accounts.person_account(db, w.people["extra"])
    w.token = reset_links.issue_reset_link(db, school.id, extra.id, None)
    return w


@pytest.fixture(name="app_config")
def app_config_fixture(database_url, redis_url) -> dict:
    """Return the test settings with room for the many logins these tests make.

    The login limit's counters outlive a test (the limiter keeps its first key prefix), so the default
    10 per minute would refuse logins in later tests.
    """
    from tests.conftest import make_test_config

    return make_test_config(database_url, redis_url, TUTTI_LOGIN_LIMIT="100000 per minute")


@pytest.fixture(name="db")
def db_fixture(app):
    """Return a plain session on the app's database, holding no app context.

    conftest's `db` keeps an app context pushed for the whole test, and requests then share its `g`, so the
    first account logged in would stay the current user of every later request.
    """
    from sqlalchemy.orm import Session

    from blueprints.extensions import db as sqlalchemy

    with app.app_context():
        engine = sqlalchemy.engine
    with Session(engine) as session:
        yield session


@pytest.fixture(name="world")
def world_fixture(db) -> World:
    """Return the ids of a freshly built world."""
    return build_world(db)


def login_as(client, world: World, role: str):
    """Log the client in as a role of the world (anonymous: do nothing)."""
    if role == "anonymous":
        return None
    response = client.post("/login", data={"login": world.logins[role], "password": PASSWORD})
    assert response.status_code == 302, f"login as {role} failed: {response.status_code}"
    return response
