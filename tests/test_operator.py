"""The operator page: the option switch, pending orders approved or rejected once, contact requests."""

from __future__ import annotations

import html

from sqlalchemy import select

from tests.admin_world import (  # noqa: F401  (the fixtures are used by name)
    app_config_fixture,
    db_fixture,
    login_as,
    world_fixture,
)
from tutti.models import AuditLog, ContactRequest, CreditOrder, Structure
from tutti.sms import credit


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_operator_page_lists_structures_orders_and_requests(client, world):
    login_as(client, world, "operator")
    page = _text(client.get("/operator/"))
    assert "École de musique d'Aubin" in page and "Harmonie de Valmont" in page
    assert f"/operator/orders/{world.order}/approve" in page and f"/operator/orders/{world.band_order}/reject" in page
    assert "zoe@example.org" in page


def test_operator_nav_link_for_operator_only(client, app, world):
    login_as(client, world, "operator")
    assert 'href="/operator/"' in _text(client.get("/operator/"))
    other = app.test_client()
    login_as(other, world, "admin")
    assert 'href="/operator/"' not in _text(other.get("/people"))


def test_operator_toggles_option_and_audits(client, db, world):
    login_as(client, world, "operator")
    response = client.post(f"/operator/structures/{world.school}/option", data={"enabled": "0"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Structure, world.school).sms_option is False
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "sms.option_off"))
    assert (entry.structure_id, entry.actor_login) == (world.school, "operateur")
    client.post(f"/operator/structures/{world.school}/option", data={"enabled": "1"})
    db.expire_all()
    assert db.get(Structure, world.school).sms_option is True


def test_operator_option_forged_value_changes_nothing(client, db, world):
    login_as(client, world, "operator")
    client.post(f"/operator/structures/{world.school}/option", data={"enabled": "peut-être"})
    db.expire_all()
    assert db.get(Structure, world.school).sms_option is True


def test_operator_unknown_ids_404(client, world):
    login_as(client, world, "operator")
    assert client.post("/operator/structures/999/option", data={"enabled": "1"}).status_code == 404
    assert client.post("/operator/orders/999/approve").status_code == 404
    assert client.post("/operator/contacts/999/handled").status_code == 404


def test_operator_approves_twice_tops_up_once(client, db, world):
    login_as(client, world, "operator")
    first = client.post(f"/operator/orders/{world.order}/approve", follow_redirects=True)
    assert "Commande n° 1 validée" in _text(first)
    second = client.post(f"/operator/orders/{world.order}/approve", follow_redirects=True)
    assert "déjà été traitée" in _text(second)
    assert credit.balance(db, world.school) == 100 == credit.ledger_balance(db, world.school)
    assert f"/operator/orders/{world.order}/approve" not in _text(client.get("/operator/"))


def test_operator_reject_then_approve_adds_nothing(client, db, world):
    login_as(client, world, "operator")
    client.post(f"/operator/orders/{world.order2}/reject")
    client.post(f"/operator/orders/{world.order2}/approve")
    db.expire_all()
    assert db.get(CreditOrder, world.order2).status == "rejected"
    assert credit.balance(db, world.school) == 0


def test_operator_marks_contact_handled(client, db, world):
    login_as(client, world, "operator")
    client.post(f"/operator/contacts/{world.contact}/handled")
    db.expire_all()
    assert db.get(ContactRequest, world.contact).handled_at is not None
    assert "zoe@example.org" not in _text(client.get("/operator/"))


def test_structure_admin_cannot_use_operator_routes(client, db, world):
    login_as(client, world, "admin")
    assert client.post(f"/operator/orders/{world.order}/approve").status_code == 403
    assert client.post(f"/operator/structures/{world.band}/option", data={"enabled": "0"}).status_code == 403
    db.expire_all()
    assert db.get(CreditOrder, world.order).status == "pending"
    assert db.get(Structure, world.band).sms_option is True
