"""/healthz for load balancers and the operator's view of the queues."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import make_test_config

from tutti.sms.queue import JOB


def test_healthz_ok_when_database_and_redis_answer(client):
    """Both parts up: 200 and « ok » for each."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_503_when_redis_is_stopped(tmp_path, own_redis):
    """A Redis that stopped answering makes the check fail with 503, naming Redis only."""
    from app import create_app

    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'tutti.db'}", own_redis.url))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    own_redis.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("error")


def test_healthz_503_when_database_is_unreachable(tmp_path, redis_url):
    """A database that cannot be opened makes the check fail with 503, naming the database only."""
    from app import create_app

    missing = Path(tmp_path) / "no-such-folder" / "tutti.db"
    app = create_app(make_test_config(f"sqlite:///{missing}", redis_url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("error")
    assert response.json["checks"]["redis"] == "ok"


def test_healthz_503_when_postgresql_server_is_down(redis_url):
    """A PostgreSQL server that does not answer (nothing listens on the port) makes the check fail with 503."""
    from app import create_app

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(make_test_config(f"postgresql://postgres@127.0.0.1:{port}/tutti", redis_url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("error")


def test_healthz_needs_no_login(client):
    """Load balancers call it without a session: it never redirects to the login page."""
    assert client.get("/healthz").status_code == 200


def test_queues_page_for_the_operator(demo, client, auth, app):
    """The operator sees the queue's figures, a job waiting among them, and the link in the navigation."""
    queue = app.extensions["tutti"]["queue"]
    queue.enqueue(JOB, 999_999)
    auth.login("operateur")
    response = client.get("/operator/queues")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Files d&#39;envoi" in page or "Files d'envoi" in page
    assert f"File « {queue.name} »" in page
    assert "<dt>En attente</dt><dd>1</dd>" in page
    assert "Aucun worker n&#39;est actif" in page or "Aucun worker n'est actif" in page
    assert 'href="/operator/queues"' in page


@pytest.mark.parametrize("login", ["admin", "secretariat", "benevole", "valmont-admin"])
def test_queues_page_refused_to_structure_accounts(demo, client, auth, login):
    """Accounts of a structure get 403, and no link to it in their navigation."""
    auth.login(login)
    assert client.get("/operator/queues").status_code == 403
    assert 'href="/operator/queues"' not in client.get("/sms/faq").get_data(as_text=True)


def test_queues_page_sends_anonymous_to_login(client):
    """Nobody logged in: redirected to the login page, nothing shown."""
    response = client.get("/operator/queues")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_queues_page_says_when_redis_is_down(tmp_path, own_redis):
    """Redis stopped: the operator reads a clear French message instead of an error page."""
    from app import create_app
    from blueprints.extensions import db
    from tutti.demo import seed_demo
    from tutti.models import create_all

    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'tutti.db'}", own_redis.url))
    with app.app_context():
        create_all(db.engine)
        seed_demo(db.session)
    client = app.test_client()
    client.post("/login", data={"login": "operateur", "password": "tutti-demo"})
    own_redis.stop()
    response = client.get("/operator/queues")
    assert response.status_code == 200
    assert "Redis ne répond pas" in response.get_data(as_text=True)
