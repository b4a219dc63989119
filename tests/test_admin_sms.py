"""« Configuration des envois SMS », the option's subscription page, credit orders and contact requests."""

from __future__ import annotations

import html
import io
import re

import pypdf
import pytest
from sqlalchemy import func, select

from tests.admin_world import (  # noqa: F401  (the fixtures are used by name)
    app_config_fixture,
    db_fixture,
    login_as,
    world_fixture,
)
from tutti.directory import people
from tutti.models import AuditLog, ContactRequest, CreditOrder, Person, Structure
from tutti.refusals import Refused
from tutti.sms import credit
from tutti.structures import credit_orders, sms_settings
from tutti.structures.sms_settings import sender_name_ok

SETTINGS = {"sender_name": "EMSAUBIN", "phone_region": "FR", "window_policy": "warn", "low_credit_threshold": "30"}
BAD_SENDER_NAMES = {
    "too short": "AB",
    "too long": "ABCDEFGHIJKL",
    "only digits": "123456",
    "accents": "ÉCOLE",
    "inner space": "EMS AUBIN",
    "punctuation": "EMS-AUBIN",
    "empty": "",
}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _structure(db, structure_id: int) -> Structure:
    db.expire_all()
    return db.get(Structure, structure_id)


# Sender names and settings ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BAD_SENDER_NAMES.values(), ids=BAD_SENDER_NAMES.keys())
def test_sender_name_rule_domain_agrees_with_gate(name):
    assert sms_settings.sender_name_refusals(name) == [sms_settings.SENDER_NAME_INVALID]
    assert not sender_name_ok(name)


@pytest.mark.parametrize("name", ["ABC", "EMSAUBIN", "Ecole2026", "A1234567890"])
def test_sender_name_rule_accepts_valid(name):
    assert sms_settings.sender_name_refusals(name) == [] and sender_name_ok(name)


def test_sms_settings_invalid_sender_names_refused_nothing_changed(client, db, world):
    login_as(client, world, "admin")
    for name in BAD_SENDER_NAMES.values():
        page = client.post("/admin/sms/settings", data=dict(SETTINGS, sender_name=name))
        assert page.status_code == 200, name
        assert "3 à 11 caractères" in _text(page) or "Saisissez le nom" in _text(page), name
    structure = _structure(db, world.school)
    assert (structure.sender_name, structure.low_credit_threshold) == (None, 50)
    assert db.scalar(select(func.count()).where(AuditLog.action == "sms.settings")) == 0


def test_sms_settings_saved_and_audited(client, db, world):
    login_as(client, world, "admin")
    response = client.post("/admin/sms/settings", data=dict(SETTINGS, window_policy="schedule"))
    assert response.status_code == 302
    structure = _structure(db, world.school)
    assert (structure.sender_name, structure.window_policy, structure.low_credit_threshold) == (
        "EMSAUBIN", "schedule", 30)
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "sms.settings"))
    assert entry.actor_login == "admin-a" and "Nom d'expéditeur : — → EMSAUBIN" in entry.details
    assert "Configuration enregistrée." in _text(client.get("/admin/sms/settings"))


def test_sms_settings_bad_values_french_error(client, db, world):
    login_as(client, world, "admin")
    for field, value, message in [("phone_region", "XX", "Choisissez un pays"),
                                  ("window_policy", "never", "Choisissez l'une des deux options"),
                                  ("low_credit_threshold", "-1", "entre 0 et"),
                                  ("low_credit_threshold", "beaucoup", "Saisissez un nombre entier")]:
        page = client.post("/admin/sms/settings", data=dict(SETTINGS, **{field: value}))
        assert page.status_code == 200 and message in _text(page), field
    assert _structure(db, world.school).sender_name is None


def test_sms_settings_page_lists_regions_in_french(client, world):
    login_as(client, world, "admin")
    page = _text(client.get("/admin/sms/settings"))
    assert "France (FR)" in page and "Belgique (BE)" in page and "Configuration des envois SMS" in page


def test_sms_settings_new_region_rereads_mobiles(db, world):
    person = people.create_person(db, world.school, "Jef", "Peeters", "0470 12 34 56")
    assert person.mobile_kind == "landline"  # a Belgian mobile, read as a French landline
    changes = sms_settings.configure_sms(db, world.school, sms_settings.SmsSettings("ECOLE", "BE", "warn", 50), None)
    db.expire_all()
    again = db.get(Person, person.id)
    assert (again.mobile_kind, again.mobile_e164) == ("mobile", "+32470123456")
    assert any("numéros relus" in c for c in changes)


def test_nav_shows_settings_to_admin_only(client, app, world):
    login_as(client, world, "admin")
    assert "Configuration des envois SMS" in _text(client.get("/people"))
    writer = app.test_client()
    login_as(writer, world, "write")
    assert "Configuration des envois SMS" not in _text(writer.get("/people"))


# The option ------------------------------------------------------------------------------------------------------

def test_subscription_page_without_option_offers_pdf_and_contact(client, db, world):
    sms_settings.set_sms_option(db, world.school, False, None)
    login_as(client, world, "admin")
    page = _text(client.get("/admin/sms/option"))
    assert "L'option SMS n'est pas souscrite" in page
    assert "/admin/sms/option/souscription.pdf" in page and "Envoyer la demande" in page


def test_subscription_pdf_holds_structure_name(client, world):
    login_as(client, world, "read")
    response = client.get("/admin/sms/option/souscription.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-1.4")
    fields = pypdf.PdfReader(io.BytesIO(response.data), strict=True).get_fields()
    assert fields["nom_structure"]["/V"] == "École de musique d'Aubin"


def test_set_sms_option_idempotent_audits_changes_only(db, world):
    assert sms_settings.set_sms_option(db, world.school, True, None) is False
    assert sms_settings.set_sms_option(db, world.school, False, None) is True
    assert sms_settings.set_sms_option(db, world.school, False, None) is False
    actions = db.scalars(select(AuditLog.action).where(AuditLog.structure_id == world.school,
                                                       AuditLog.action.like("sms.option%"))).all()
    assert actions == ["sms.option_on", "sms.option_off"]


# Contact requests ------------------------------------------------------------------------------------------------

def test_contact_request_kept_and_visible_to_operator(client, app, db, world):
    login_as(client, world, "none")
    response = client.post("/admin/contact", data={"subject": "option", "reply_to": "noe@example.org",
                                                   "message": "Nous voulons souscrire à l'option SMS."})
    assert response.status_code == 302
    kept = db.scalar(select(ContactRequest).where(ContactRequest.reply_to == "noe@example.org"))
    assert (kept.structure_id, kept.author_login, kept.handled_at) == (world.school, "compte-none", None)
    operator = app.test_client()
    login_as(operator, world, "operator")
    page = _text(operator.get("/operator/"))
    assert "Nous voulons souscrire à l'option SMS." in page and "noe@example.org" in page


def test_contact_request_empty_message_refused(client, db, world):
    login_as(client, world, "admin")
    before = db.scalar(select(func.count()).select_from(ContactRequest))
    page = client.post("/admin/contact", data={"subject": "option", "reply_to": "a@b.fr", "message": " "})
    assert page.status_code == 200 and "Écrivez votre message." in _text(page)
    assert db.scalar(select(func.count()).select_from(ContactRequest)) == before


def test_contact_request_forged_subject_refused(client, db, world):
    login_as(client, world, "admin")
    page = client.post("/admin/contact", data={"subject": "hack", "reply_to": "a@b.fr", "message": "x"})
    assert "Choisissez l'objet" in _text(page)


# Credit orders ---------------------------------------------------------------------------------------------------

def test_credit_order_creates_pending_order(client, db, world):
    login_as(client, world, "write")
    response = client.post("/admin/credit/order", data={"pack": "1000"})
    assert response.status_code == 302
    order = db.scalar(select(CreditOrder).order_by(CreditOrder.id.desc()))
    assert (order.structure_id, order.sms, order.status) == (world.school, 1000, "pending")
    assert credit.balance(db, world.school) == 0
    assert "1\u00a0000 SMS" in _text(client.get("/admin/credit/order"))


def test_credit_order_forged_pack_refused(client, db, world):
    login_as(client, world, "admin")
    before = db.scalar(select(func.count()).select_from(CreditOrder))
    for pack in ["99", "0", "-100", "1000000", "cent"]:
        page = client.post("/admin/credit/order", data={"pack": pack})
        assert page.status_code == 200 and "Choisissez l'un des packs proposés." in _text(page), pack
    assert db.scalar(select(func.count()).select_from(CreditOrder)) == before


def test_credit_order_without_option_refused(client, db, world):
    sms_settings.set_sms_option(db, world.school, False, None)
    login_as(client, world, "admin")
    before = db.scalar(select(func.count()).select_from(CreditOrder))
    page = client.post("/admin/credit/order", data={"pack": "100"})
    assert "n'a pas souscrit à l'option SMS" in _text(page)
    assert db.scalar(select(func.count()).select_from(CreditOrder)) == before


def test_order_approved_twice_tops_up_once(db, world):
    assert credit_orders.decide_order(db, world.order, True, None) is True
    assert credit_orders.decide_order(db, world.order, True, None) is False
    assert credit_orders.decide_order(db, world.order, False, None) is False
    assert credit.balance(db, world.school) == 100 == credit.ledger_balance(db, world.school)
    db.expire_all()
    assert db.get(CreditOrder, world.order).status == "approved"


def test_order_rejected_adds_nothing(db, world):
    assert credit_orders.decide_order(db, world.order, False, None) is True
    assert credit_orders.decide_order(db, world.order, True, None) is False
    assert credit.balance(db, world.school) == 0


def test_order_cannot_be_approved_by_structure_admin(db, world):
    from tutti.models import Account

    admin_account = db.scalar(select(Account).where(Account.login == "admin-b"))
    with pytest.raises(Refused) as refused:
        credit_orders.decide_order(db, world.order, True, admin_account)
    assert refused.value.codes == ["operator_only"]
    assert credit.balance(db, world.school) == 0


def test_admin_ui_has_no_way_to_approve_other_structure_order(client, db, world):
    login_as(client, world, "other_admin")
    for url in (f"/operator/orders/{world.order}/approve", f"/admin/credit/order/{world.order}/approve"):
        assert client.post(url).status_code in (403, 404)
    assert credit.balance(db, world.school) == 0
    listed = re.findall(r"<td>n° (\d+)</td>", _text(client.get("/admin/credit/order")))
    assert listed == [str(world.band_order)]
