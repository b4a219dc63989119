"""The example Flask portal in a real browser: its own login and people page, then Tutti's panel, a real worker."""

from __future__ import annotations

import os
import re
import threading
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import CLOCK, _forget_queue, _start_worker, _stop_worker, _wait_for_worker

PREFIX = "/communication/sms"


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory, redis_url):
    """Serve the example portal (CSRF on) on a loopback port, with `python worker.py` on its database."""
    from werkzeug.serving import make_server

    from examples.flask_portal import create_app
    from examples.flask_portal.commands import init_demo
    from examples.flask_portal.models import db

    folder = tmp_path_factory.mktemp("e2e-portal")
    database_url = f"sqlite:///{folder / 'portal.db'}"
    queue_name = "portal-e2e-" + uuid.uuid4().hex[:8]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PORTAL_INSTANCE_PATH", str(folder))
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
                          "SECRET_KEY": "e2e-" + uuid.uuid4().hex, "TUTTI_QUEUE_NAME": queue_name,
                          "TUTTI_CLOCK": lambda: CLOCK})
    with app.app_context():
        init_demo()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal-live-server", daemon=True)
    thread.start()
    log = folder / "worker.log"
    worker = _start_worker({**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                            "TUTTI_QUEUE_NAME": queue_name, "TUTTI_SMS_TRANSPORT": "outbox",
                            "TUTTI_INSTANCE_PATH": str(folder / "tutti"), "PYTHONUNBUFFERED": "1"}, log)
    engine = create_engine(database_url)
    try:
        _wait_for_worker(worker, redis_url, queue_name, log)
        yield f"http://127.0.0.1:{server.server_port}", engine
    finally:
        _stop_worker(worker)
        server.shutdown()
        thread.join(5)
        _forget_queue(app.extensions["tutti"]["queue"])
        engine.dispose()
        with app.app_context():
            db.engine.dispose()


def test_portal_user_sends_through_panel(browser, portal_server):
    url, engine = portal_server
    context = browser.new_context(base_url=url, locale="fr-FR")
    problems, requests = [], []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{PREFIX}/compose")
        expect(page).to_have_url(re.compile(r"/login\?next="))  # the portal's own login page
        page.get_by_label("Adresse e-mail").fill("secretariat@ecole.example")
        page.get_by_label("Mot de passe").fill("portail-demo")
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_label("Alice Martin").check()
        page.get_by_label("Gaston Vidal").check()
        page.get_by_role("button", name="Écrire un SMS aux personnes cochées").click()
        expect(page).to_have_url(re.compile(re.escape(PREFIX) + r"/compose\?sel=\d+$"))
        expect(page.locator("header")).to_contain_text("Portail de l'école")  # the portal's layout
        page.get_by_label("Saisissez votre message").fill("Répétition samedi à 10h")
        expect(page.locator("#countdown")).to_contain_text("1 SMS par destinataire")
        page.get_by_role("button", name="Valider").click()
        expect(page.locator("#recap")).to_contain_text("vous coûtera : 2 SMS")
        page.get_by_role("button", name="Envoyer").click()
        expect(page.locator("#progress-title")).to_have_text("Envoi terminé", timeout=20_000)
    finally:
        context.close()
    with engine.connect() as connection:
        phones = connection.execute(text("SELECT phone FROM outbox ORDER BY phone")).scalars().all()
        balance = connection.execute(text("SELECT credit_balance FROM structures")).scalar()
    assert phones == ["+33612345601", "+33755443322"] and balance == 98
    assert not problems, problems
    assert all(r.startswith(url + "/") for r in requests), [r for r in requests if not r.startswith(url)]
