"""The SMS panel inside a Flask host portal (examples/flask_portal): the host's database, login and layout."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sms_helpers import HX, IN_WINDOW, body, field_value, recap_token, root_id, text
from sqlalchemy import func, select

from blueprints.sms.panel import init_sms_panel, select_recipients
from tutti import runtime
from tutti.directory import selections
from tutti.models import Account, Campaign, CreditMovement, OutboxEntry, Person, Structure
from tutti.sms import credit
from worker import InProcessWorker

PREFIX = "/communication/sms"
PASSWORD = "portail-demo"
WRITER, READER, ADMIN, UNMAPPED = ("secretariat@ecole.example", "professeur@ecole.example",
                                   "direction@ecole.example", "stagiaire@ecole.example")
MESSAGE = "Répétition générale samedi à 14h"


def portal_config(database_url: str, redis_url: str, instance: str, **overrides) -> dict:
    """Return the settings the example portal runs with in a test."""
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
            "SECRET_KEY": "portal-test-secret", "WTF_CSRF_ENABLED": False,
            "TUTTI_QUEUE_NAME": "portal-test-" + uuid.uuid4().hex[:8], "TUTTI_CLOCK": lambda: IN_WINDOW,
            "PORTAL_TEST_INSTANCE": instance, **overrides}


@pytest.fixture
def portal_factory(database_url, redis_url, tmp_path, monkeypatch):
    """Build the example portal on the test database and Redis, with its demo school; drop its tables after."""
    from examples.flask_portal import create_app
    from examples.flask_portal.commands import init_demo
    from examples.flask_portal.models import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "portal"))
    made = []

    def make(**overrides):
        app = create_app(portal_config(database_url, redis_url, str(tmp_path), **overrides))
        with app.app_context():
            users = init_demo()
        made.append(app)
        return app, users

    yield make
    for app in made:
        app.extensions["tutti"]["queue"].empty()
        with app.app_context():
            db.session.remove()
            db.metadata.drop_all(db.engine)  # the portal's own tables; the suite empties Tutti's
            db.engine.dispose()


@pytest.fixture
def portal(portal_factory):
    """The example portal and its demo users' ids by email."""
    return portal_factory()


def log_in(client, email: str) -> None:
    """Log in to the portal (its own login page)."""
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/people", f"login {email} failed"


def pick_everyone(client) -> str:
    """Tick every person of the portal's list and press its SMS button; return the selection the compose page names."""
    ids = re.findall(r'name="person_id" value="(\d+)"', body(client.get("/people")))
    response = client.post(f"{PREFIX}/recipients", data={"person_id": ids})
    location = urlsplit(response.headers["Location"])
    assert response.status_code == 303 and location.path == f"{PREFIX}/compose"
    selection = re.fullmatch(r"sel=(\d+)", location.query).group(1)
    page = body(client.get(f"{PREFIX}/compose?sel={selection}"))
    assert field_value(page, "sel") == selection  # the compose form sends it on to the recap
    return selection


def run_portal_worker(app) -> None:
    """Run a real RQ worker in burst mode on the portal's queue, its jobs reading the portal's database."""
    from examples.flask_portal.models import db

    state = app.extensions["tutti"]
    with app.app_context():
        runtime.configure_from_app(app, db.engine)
    InProcessWorker([state["queue"]], connection=state["redis"]).work(burst=True)


def read(app, statement):
    """Run one query in a fresh session of the portal's database."""
    from examples.flask_portal.models import db

    with app.app_context():
        try:
            return db.session.execute(statement).all()
        finally:
            db.session.remove()


def test_host_panel_routes_all_under_prefix(portal):
    app, _ = portal
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("sms", "sms_panel")]
    assert {r.endpoint for r in rules} >= {"sms.compose", "sms.recap", "sms.send", "sms.progress", "sms.history",
                                           "sms.campaign", "sms.outbox", "sms_panel.recipients"}
    assert all(r.rule.startswith(PREFIX + "/") for r in rules)


def test_host_anonymous_goes_to_host_login(portal):
    app, _ = portal
    response = app.test_client().get(f"{PREFIX}/compose")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_host_writer_sends_once_with_right_charge(portal):
    app, users = portal
    client = app.test_client()
    log_in(client, WRITER)
    selection = pick_everyone(client)
    page = body(client.get(f"{PREFIX}/compose?sel={selection}"))
    assert "portail de l'école" in text(page).lower() and root_id(page.split('<div id="panel">')[1]) == "compose"
    shown = client.post(f"{PREFIX}/recap", data={"message": MESSAGE, "sel": selection}, headers=HX)
    recap = body(shown)
    assert root_id(recap) == "recap", text(recap)
    assert "vous coûtera : 2 SMS" in text(recap)  # Alice and Bruno share a mobile; Chloé has none
    sent = client.post(f"{PREFIX}/send", headers=HX,
                       data={"message": field_value(recap, "message"), "token": recap_token(recap)})
    assert root_id(body(sent)) == "progress"
    run_portal_worker(app)
    account_id = read(app, select(Account.id).where(Account.login == "portail-secretariat"))[0][0]
    (campaign,) = [row[0] for row in read(app, select(Campaign))]
    assert (campaign.author_id, campaign.status, campaign.cost) == (account_id, "done", 2)
    outbox = read(app, select(OutboxEntry.phone, func.count()).group_by(OutboxEntry.phone))
    assert sorted(outbox) == [("+33612345601", 1), ("+33755443322", 1)]
    structure = read(app, select(Structure))[0][0]
    assert structure.credit_balance == 98
    captured = read(app, select(func.sum(CreditMovement.sms)).where(CreditMovement.kind == credit.CAPTURE))[0][0]
    assert captured == 2
    progress = client.get(f"{PREFIX}/campaigns/{campaign.id}/progress", headers=HX)
    assert "Envoi terminé" in text(body(progress))


@pytest.mark.parametrize("email, heading", [
    (UNMAPPED, "n'est rattaché à aucun compte personnel"),
    (ADMIN, "depuis le compte administrateur de votre structure"),
    (READER, "Droits insuffisants"),
])
@pytest.mark.parametrize("method, path", [("GET", "/compose"), ("POST", "/recap"), ("POST", "/send")])
def test_host_gates_refuse_who_may_not_send(portal, email, heading, method, path):
    app, _ = portal
    client = app.test_client()
    log_in(client, email)
    response = client.open(PREFIX + path, method=method, data={"message": MESSAGE}, headers=HX)
    assert response.status_code == 403
    assert root_id(body(response)) == "sms-gate"
    assert heading in text(body(response))


def test_host_gate_page_in_host_layout(portal):
    app, _ = portal
    client = app.test_client()
    log_in(client, UNMAPPED)
    response = client.get(f"{PREFIX}/campaigns")
    assert response.status_code == 403
    assert "Portail de l'école" in body(response) and "Envoi impossible depuis ce compte" in text(body(response))


def test_host_reader_reads_history(portal):
    app, _ = portal
    client = app.test_client()
    log_in(client, READER)
    assert client.get(f"{PREFIX}/campaigns").status_code == 200


def _urls(page: str) -> list[str]:
    return re.findall(r'\b(?:href|action|src|hx-get|hx-post)="([^"#]*)', page)


def test_host_every_panel_url_starts_with_prefix(portal):
    app, _ = portal
    client = app.test_client()
    log_in(client, WRITER)
    selection = pick_everyone(client)
    recap = body(client.post(f"{PREFIX}/recap", data={"message": MESSAGE, "sel": selection}, headers=HX))
    sent = body(client.post(f"{PREFIX}/send", headers=HX,
                            data={"message": field_value(recap, "message"), "token": recap_token(recap)}))
    campaign_id = read(app, select(Campaign.id))[0][0]
    pages = [recap, sent, body(client.get(f"{PREFIX}/compose")),
             body(client.post(f"{PREFIX}/countdown", data={"message": "Leçon"}, headers=HX))]
    for path in ("/campaigns", f"/campaigns/{campaign_id}", "/outbox", "/credit", "/faq", "/optouts"):
        response = client.get(PREFIX + path)
        assert response.status_code == 200, path
        pages.append(body(response))
    adapter = app.url_map.bind("localhost")
    seen = set()
    for url in (u for page in pages for u in _urls(page) if u):
        path = urlsplit(url).path
        endpoint, _ = adapter.match(path, method="POST" if path.endswith(("/recap", "/send", "/countdown",
                                                                            "/replace", "/logout")) else "GET")
        seen.add(endpoint)
        assert endpoint.startswith("portal.") or path.startswith(PREFIX + "/"), url
    assert {"sms.recap", "sms.send", "sms.countdown", "sms.campaign", "sms_panel.static"} <= seen


def test_host_keeps_its_login_manager_and_sqlalchemy(redis_url, tmp_path):
    host = Flask(__name__, instance_path=str(tmp_path))
    host.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.db'}", REDIS_URL=redis_url,
                       SECRET_KEY="x", TUTTI_QUEUE_NAME="host-" + uuid.uuid4().hex[:8])
    db, login_manager = SQLAlchemy(), LoginManager()
    db.init_app(host)
    login_manager.init_app(host)
    login_manager.login_view = "login"
    loader = login_manager.user_loader(lambda user_id: None)
    before = (host.login_manager, host.extensions["sqlalchemy"], login_manager._user_callback,
              login_manager.login_view)
    init_sms_panel(host, account_loader=lambda user: None, layout="layout.html", url_prefix="/x/sms")
    assert (host.login_manager, host.extensions["sqlalchemy"], login_manager._user_callback,
            login_manager.login_view) == before
    assert before[0] is login_manager and before[1] is db and before[2] is loader
    assert "csrf" not in host.extensions  # the host's own POST views are not put under a CSRF check
    with host.app_context():
        assert db.session.get_bind() is db.engine


def test_host_example_portal_owns_its_extensions(portal):
    from examples.flask_portal import models

    app, _ = portal
    assert app.login_manager is models.login_manager and app.extensions["sqlalchemy"] is models.db
    assert app.login_manager.login_view == "portal.login"


def test_host_babel_kept_and_given_tutti_catalogue(redis_url, tmp_path):
    host = Flask(__name__, instance_path=str(tmp_path))
    host.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=redis_url, SECRET_KEY="x")
    SQLAlchemy().init_app(host)
    LoginManager().init_app(host)
    Babel(host)
    config = host.extensions["babel"]
    init_sms_panel(host, account_loader=lambda user: None, layout="layout.html")
    assert host.extensions["babel"] is config
    assert any(d.endswith("translations") and "flask_portal" not in d for d in config.translation_directories[1:])


def test_host_without_login_manager_refused(redis_url, tmp_path):
    host = Flask(__name__, instance_path=str(tmp_path))
    host.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=redis_url)
    SQLAlchemy().init_app(host)
    with pytest.raises(RuntimeError, match="Flask-Login"):
        init_sms_panel(host, account_loader=lambda user: None, layout="layout.html")


def test_host_filter_of_same_name_refused(redis_url, tmp_path):
    host = Flask(__name__, instance_path=str(tmp_path))
    host.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=redis_url)
    SQLAlchemy().init_app(host)
    LoginManager().init_app(host)
    host.add_template_filter(str, "number")
    with pytest.raises(RuntimeError, match="'number'"):
        init_sms_panel(host, account_loader=lambda user: None, layout="layout.html")


def test_host_panel_post_without_csrf_token_refused(portal_factory):
    app, _ = portal_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = body(client.get("/login"))
    client.post("/login", data={"email": WRITER, "password": PASSWORD,
                                "csrf_token": field_value(page, "csrf_token")})
    assert client.post(f"{PREFIX}/recipients", data={"person_id": ["1"]}).status_code == 400
    people = body(client.get("/people"))
    response = client.post(f"{PREFIX}/recipients",
                           data={"person_id": ["1"], "csrf_token": field_value(people, "csrf_token")})
    assert response.status_code == 303


def test_host_select_recipients_ignores_other_structures(portal):
    from examples.flask_portal.models import db

    app, _ = portal
    with app.app_context():
        other = Structure(name="Autre école", sms_option=True, sender_name="AUTRE")
        db.session.add(other)
        db.session.flush()
        stranger = Person(structure_id=other.id, first_name="Olga", last_name="Voisine")
        db.session.add(stranger)
        db.session.commit()
        account = db.session.scalar(select(Account).where(Account.login == "portail-secretariat"))
        mine = db.session.scalars(select(Person.id).where(Person.structure_id == account.structure_id)).all()
        with app.test_request_context():
            one, every = select_recipients(account, [mine[0], stranger.id]), select_recipients(account, mine)
            # Each call makes a selection of its own: the second leaves the first as it was.
            assert one != every
            assert selections.count(db.session, one) == 1
            assert selections.count(db.session, every) == len(mine)
        db.session.remove()


def test_host_user_mapped_to_disabled_account_meets_gate(portal):
    from examples.flask_portal.models import db

    app, _ = portal
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.login == "portail-secretariat"))
        account.active = False
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    log_in(client, WRITER)
    response = client.get(f"{PREFIX}/compose", headers=HX)
    assert response.status_code == 403
    assert "n'est rattaché à aucun compte personnel" in text(body(response))


def test_host_csrf_protect_kept_and_guards_panel(redis_url, tmp_path):
    from flask_wtf import CSRFProtect

    host = Flask(__name__, instance_path=str(tmp_path))
    host.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=redis_url, SECRET_KEY="x")
    SQLAlchemy().init_app(host)
    login_manager = LoginManager()
    login_manager.init_app(host)
    login_manager.user_loader(lambda user_id: None)
    csrf = CSRFProtect(host)
    hooks = list(host.before_request_funcs.get(None, []))
    init_sms_panel(host, account_loader=lambda user: None, layout="layout.html", url_prefix="/x/sms")
    assert host.extensions["csrf"] is csrf
    assert host.before_request_funcs.get(None, []) == hooks  # no second CSRF check of its own
    assert host.test_client().post("/x/sms/recipients", data={"person_id": "1"}).status_code == 400


def test_host_control_character_in_a_panel_form_refused_in_french(portal):
    app, users = portal
    client = app.test_client()
    log_in(client, WRITER)
    pick_everyone(client)
    for headers in ({}, HX):
        response = client.post(f"{PREFIX}/send", headers=headers,
                               data={"message": MESSAGE, "token": "x", "schedule": "2026-12-08T10:00\x00"})
        assert response.status_code == 400
        assert "contient un caractère de contrôle" in body(response)  # the host words the page around it
    assert read(app, select(func.count()).select_from(Campaign)) == [(0,)]
