"""The example portal, on another site, frames Tutti's SMS panel from an embed link; a site off the allowlist cannot."""

from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text
from sqlalchemy.orm import Session

STRUCTURE = "Harmonie de Valmont"
ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "Concert de l'harmonie samedi à 18h, tenue noire"


def _portal_module():
    spec = importlib.util.spec_from_file_location("iframe_portal", ROOT / "examples" / "iframe_portal" / "portal.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def portal(live_server):
    """Serve the example portal on its own port, with a key of the Harmonie and « valmont » as the sender.

    Tutti is http://127.0.0.1:…; the portal is opened as http://localhost:…, another site (not only another
    origin), as a portal on its own domain would be. The allowlist holds that origin only.
    """
    from werkzeug.serving import make_server

    from tutti.embedding import api_keys, embed_links

    structure_id = live_server.scalar("SELECT id FROM structures WHERE name = :n", n=STRUCTURE)
    app = _portal_module().create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with Session(live_server.engine) as db:
        key = api_keys.create_key(db, structure_id, "Portail d'exemple", None).secret
        embed_links.set_frame_origins(db, structure_id, f"http://localhost:{server.server_port}", None)
    app.config.update(TUTTI_URL=live_server.url, TUTTI_API_KEY=key, TUTTI_ACCOUNT="valmont")
    thread = threading.Thread(target=server.serve_forever, name="example-portal", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(5)
        _forget_portal_people(live_server, structure_id)


def _forget_portal_people(live, structure_id: int) -> None:
    """Leave the demo data as other browser tests expect it: the portal's people and tags go."""
    people = "SELECT id FROM people WHERE structure_id = :s AND external_id IS NOT NULL"
    live.sql(f"DELETE FROM message_people WHERE person_id IN ({people})", s=structure_id)
    live.sql(f"DELETE FROM selection_people WHERE person_id IN ({people})", s=structure_id)
    live.sql(f"DELETE FROM person_tags WHERE person_id IN ({people})", s=structure_id)
    live.sql("DELETE FROM people WHERE structure_id = :s AND external_id IS NOT NULL", s=structure_id)
    live.sql("DELETE FROM tags WHERE structure_id = :s AND external_id IS NOT NULL", s=structure_id)


@pytest.fixture
def context(browser, ui_timeout_ms):
    """A browser context of its own (the portal is on another site than the live server), with its errors noted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.set_default_timeout(ui_timeout_ms)
    context.problems = []
    context.on("page", lambda page: page.on("pageerror", lambda error: context.problems.append(str(error))))
    yield context
    context.close()


def _outbox(live, structure_id: int) -> list[tuple[str, str]]:
    with live.engine.connect() as connection:
        rows = connection.execute(text("SELECT phone, text FROM outbox WHERE structure_id = :s ORDER BY id"),
                                  {"s": structure_id}).all()
    return [tuple(r) for r in rows]


def test_portal_frames_the_panel_and_the_sms_arrives_once(context, live_server, portal):
    structure_id = live_server.scalar("SELECT id FROM structures WHERE name = :n", n=STRUCTURE)
    before = _outbox(live_server, structure_id)
    page = context.new_page()
    page.goto(f"http://localhost:{portal}/")
    page.get_by_role("button", name="Envoyer un SMS").click()

    panel = page.frame_locator("#tutti-panel")
    expect(panel.locator("#embed-selection")).to_have_text("4 personnes sélectionnées")
    box = panel.get_by_label("Saisissez votre message")
    box.press_sequentially(MESSAGE, delay=10)
    expect(box).to_have_value(MESSAGE)
    panel.get_by_role("button", name="Valider").click()
    expect(panel.locator("#recap-title")).to_have_text("Récapitulatif avant envoi")
    expect(panel.locator("#recap")).to_contain_text("vous coûtera : 2 SMS")
    expect(panel.locator("#recap")).to_contain_text("Mélanie Garnier : numéro fixe")
    expect(panel.locator("#recap")).to_contain_text("Hugo Renaud : pas de mobile")
    panel.get_by_role("button", name="Envoyer").click()
    expect(panel.locator("#progress-title")).to_have_text("Envoi terminé", timeout=20_000)

    sent = _outbox(live_server, structure_id)[len(before):]
    assert sorted(phone for phone, _ in sent) == ["+33610203040", "+33755443323"], live_server.worker_log_tail()
    assert all(body.startswith(MESSAGE) for _, body in sent)
    assert "topbar" not in panel.locator("body").inner_html()
    assert not context.problems, context.problems


def test_portal_key_revoked_while_the_panel_is_open_stops_it_with_a_message(context, live_server, portal):
    from tutti.embedding import api_keys

    structure_id = live_server.scalar("SELECT id FROM structures WHERE name = :n", n=STRUCTURE)
    key_id = live_server.scalar("SELECT id FROM api_keys WHERE structure_id = :s AND revoked_at IS NULL "
                                "ORDER BY id DESC", s=structure_id)
    campaigns = live_server.scalar("SELECT count(*) FROM campaigns")
    page = context.new_page()
    page.goto(f"http://localhost:{portal}/")
    page.get_by_role("button", name="Envoyer un SMS").click()
    panel = page.frame_locator("#tutti-panel")
    box = panel.get_by_label("Saisissez votre message")
    box.press_sequentially(MESSAGE, delay=10)
    expect(box).to_have_value(MESSAGE)
    try:
        with Session(live_server.engine) as db:
            api_keys.revoke_key(db, structure_id, key_id, None)
        panel.get_by_role("button", name="Valider").click()
        # htmx puts the refusal in place of the whole panel: the message box and its buttons are gone.
        expect(panel.locator("#refused-title")).to_have_text("L'accès de ce portail a été révoqué")
        expect(panel.locator("#compose")).to_have_count(0)
        expect(panel.locator("#recap")).to_have_count(0)
    finally:  # the module's other tests use the same key
        live_server.sql("UPDATE api_keys SET revoked_at = NULL WHERE id = :k", k=key_id)
    assert live_server.scalar("SELECT count(*) FROM campaigns") == campaigns
    assert not context.problems, context.problems


def test_portal_outside_the_allowlist_cannot_frame_the_panel(context, live_server, portal):
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{portal}/")  # the same portal, under an origin the structure did not allow
    with page.expect_response(lambda r: "/embed/" in r.url) as answer:
        page.get_by_role("button", name="Envoyer un SMS").click()
    csp = answer.value.headers["content-security-policy"]
    assert f"frame-ancestors 'self' http://localhost:{portal}" in csp
    frame = _navigated_frame(page.locator("#tutti-panel").element_handle())
    assert frame.url.startswith("chrome-error://"), frame.url  # Chromium refused to show the answer in the frame
    assert frame.locator("#panel").count() == 0
    assert frame.locator("#compose").count() == 0


def _navigated_frame(iframe, timeout_s: float = 10.0):
    """Return the frame of `iframe` once its navigation has ended, loaded or refused (it starts on about:blank)."""
    deadline = time.monotonic() + timeout_s
    while True:
        frame = iframe.content_frame()
        if frame is not None and frame.url not in ("", "about:blank"):
            frame.wait_for_load_state("load")
            return frame
        assert time.monotonic() < deadline, "the frame never navigated"
        time.sleep(0.05)
