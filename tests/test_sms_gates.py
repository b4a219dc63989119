"""Who may use which SMS route: every gate is enforced on the server, in French, with a way forward."""

from __future__ import annotations

import pytest
from flask import url_for
from sms_helpers import (
    body,
    build_world,
    hx_get,
    hx_post,
    login,
    make_campaign,
    root_id,
    shared_app_fixtures,
    snapshot,
    text,
    varies_on_htmx,
)

# Every route that sends, or leads to sending: (method, path); {own} is a campaign of the main structure.
SEND_ROUTES = [
    ("GET", "/sms/compose"),
    ("POST", "/sms/compose"),
    ("POST", "/sms/countdown"),
    ("POST", "/sms/replace"),
    ("POST", "/sms/recap"),
    ("POST", "/sms/send"),
    ("GET", "/sms/excluded"),
    ("GET", "/sms/receivers"),
    ("POST", "/sms/campaigns/{own}/cancel"),
]
READ_ROUTES = [
    "/sms/campaigns",
    "/sms/campaigns/{own}",
    "/sms/campaigns/{own}/progress",
    "/sms/campaigns/{own}/states",
    "/sms/outbox",
    "/sms/credit",
]
# The FAQ every gate links to; the opt-out pages, gated and tested with the opt-outs (test_optouts.py).
OTHER_SMS_ENDPOINTS = {"sms.faq", "sms.optouts", "sms.lift_optout"}

# Account → (what the gate says, the links it offers: text and endpoint).
GATES = {
    "sansoption": ("Votre structure n'a pas souscrit à l'option SMS",
                   [("Télécharger le formulaire de souscription", "admin.subscription_pdf", {}),
                    ("Nous contacter", "admin.subscription", {"_anchor": "contact"}),
                    ("En savoir plus sur l'option SMS", "sms.faq", {"_anchor": "option"})]),
    "sansnom": ("il manque un nom d'expéditeur valide",
                [("Comment configurer les envois SMS", "sms.faq", {"_anchor": "configuration"})]),
    "admin": ("Vous ne pouvez pas envoyer de SMS depuis le compte administrateur de votre structure. "
              "L'envoi de SMS n'est possible que depuis un compte personnel",
              [("Comment obtenir un compte personnel", "sms.faq", {"_anchor": "compte-personnel"})]),
    "lecteur": ("il faut « Lecture écriture » sur la ligne « Communication - SMS »",
                [("En savoir plus sur les droits", "sms.faq", {"_anchor": "droits"})]),
    "sansdroit": ("il faut « Lecture écriture » sur la ligne « Communication - SMS »",
                  [("En savoir plus sur les droits", "sms.faq", {"_anchor": "droits"})]),
}


def _link(app, label: str, endpoint: str, args: dict) -> str:
    with app.test_request_context():
        return f'<a href="{url_for(endpoint, **args)}">{label}</a>'


app, db, shared = shared_app_fixtures()


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def own(db, world) -> int:
    """A campaign of the main structure."""
    return make_campaign(db, world)


def _call(client, method: str, path: str, own: int, headers: dict | None = None):
    url = path.format(own=own)
    data = {"message": "Bonjour", "token": "x"} if method == "POST" else None
    return client.open(url, method=method, data=data, headers=headers or {"HX-Request": "true"})


def _endpoint(app, method: str, path: str) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.match(path.format(own=1), method=method)[0]


def test_gates_cover_every_sms_route(app):
    covered = {_endpoint(app, m, p) for m, p in SEND_ROUTES} | {_endpoint(app, "GET", p) for p in READ_ROUTES}
    sms_endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("sms.")}
    assert sms_endpoints == covered | OTHER_SMS_ENDPOINTS


@pytest.mark.parametrize("account", list(GATES))
@pytest.mark.parametrize(("method", "path"), SEND_ROUTES)
def test_send_route_refused_with_gate(app, client, world, own, account, method, path):
    login(client, account)
    response = _call(client, method, path, own)
    page = body(response)
    assert response.status_code == 403
    assert root_id(page) == "sms-gate"
    assert varies_on_htmx(response)
    message, links = GATES[account]
    assert message in text(page)
    for label, endpoint, args in links:
        assert _link(app, label, endpoint, args) in page


@pytest.mark.parametrize(("method", "path"), SEND_ROUTES)
def test_send_route_refused_writes_nothing(client, db, world, own, method, path):
    login(client, "lecteur")
    before = snapshot(db, world.structure_id)
    _call(client, method, path, own)
    assert snapshot(db, world.structure_id) == before


def test_gate_without_htmx_is_a_whole_page(client, world):
    login(client, "admin")
    response = client.get("/sms/compose")
    page = body(response)
    assert response.status_code == 403
    assert "<html" in page and 'id="sms-gate"' in page
    assert "Retour à la liste des personnes" in text(page)
    assert varies_on_htmx(response)


def test_gate_faq_explains_each_anchor(client, world):
    login(client, "sansdroit")
    page = body(client.get("/sms/faq"))
    for anchor in ("option", "contact", "configuration", "compte-personnel", "droits"):
        assert f'id="{anchor}"' in page


@pytest.mark.parametrize(("method", "path"), SEND_ROUTES + [("GET", p) for p in READ_ROUTES])
def test_sms_route_anonymous_redirected_to_login(client, world, own, method, path):
    response = _call(client, method, path, own, headers={})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("account", ["lecteur", "admin", "ecrivain"])
@pytest.mark.parametrize("path", READ_ROUTES)
def test_read_route_allowed(client, world, own, account, path):
    login(client, account)
    response = _call(client, "GET", path, own)
    assert response.status_code == 200
    assert varies_on_htmx(response)


@pytest.mark.parametrize("path", READ_ROUTES)
def test_read_route_refused_without_right(app, client, world, own, path):
    login(client, "sansdroit")
    response = _call(client, "GET", path, own)
    page = body(response)
    assert response.status_code == 403
    assert root_id(page) == "sms-gate"
    assert "« Lecture » pour consulter l'historique" in text(page)
    assert _link(app, "En savoir plus sur les droits", "sms.faq", {"_anchor": "droits"}) in page


def test_lecture_account_sees_history_but_cannot_compose(client, world, own):
    login(client, "lecteur")
    assert client.get("/sms/campaigns").status_code == 200
    assert hx_get(client, "/sms/compose").status_code == 403


@pytest.mark.parametrize("path", ["/sms/campaigns/{other}", "/sms/campaigns/{other}/progress"])
def test_campaign_of_another_structure_not_found(client, db, world, path):
    other = make_campaign(db, world, login="autre")
    login(client, "ecrivain")
    response = hx_get(client, path.format(other=other))
    assert response.status_code == 404
    assert "Cette page n'existe pas ou plus." in text(body(response))


def test_cancel_campaign_of_another_structure_not_found(client, db, world):
    other = make_campaign(db, world, login="autre")
    login(client, "ecrivain")
    assert hx_post(client, f"/sms/campaigns/{other}/cancel").status_code == 404


def test_unknown_campaign_not_found(client, world):
    login(client, "lecteur")
    assert hx_get(client, "/sms/campaigns/999999").status_code == 404
