"""The operator's commands, and issue 4's « Done when » from an empty database to an SMS in the outbox."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.admin_world import (  # noqa: F401  (the fixtures are used by name)
    app_config_fixture,
    db_fixture,
    world_fixture,
)
from tutti.models import MODULE_SMS, Account, AuditLog, CreditOrder, OutboxEntry, Person, Structure
from tutti.sms import credit

PASSWORD = "chorale-2026!"


@pytest.fixture
def cli(app):
    """Invoke a flask command and return its result."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args))

    return invoke


def _ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_create_structure_twice_refused(cli):
    assert "Structure n° 1 créée" in _ok(cli("create-structure", "Chorale du Val"))
    again = cli("create-structure", "chorale du val")
    assert again.exit_code != 0 and "Une structure s'appelle déjà" in again.output


def test_create_account_bad_login_and_weak_password_refused(cli, db):
    _ok(cli("create-structure", "Chorale du Val"))
    bad = cli("create-account", "--structure", "1", "--login", "Chef Chœur", "--kind", "admin", "--password", PASSWORD)
    assert bad.exit_code != 0 and "lettres minuscules sans accent" in bad.output
    weak = cli("create-account", "--structure", "1", "--login", "chef", "--kind", "admin", "--password", "court")
    assert weak.exit_code != 0 and "au moins 10 caractères" in weak.output
    assert db.scalar(select(Account)) is None


def test_create_account_password_prompted(cli, app, db):
    _ok(cli("create-structure", "Chorale du Val"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-account", "--structure", "Chorale du Val", "--login", "chef", "--kind",
                                 "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert db.scalar(select(Account.kind).where(Account.login == "chef")) == "admin"


def test_create_account_person_of_other_structure_refused(cli, world, db):
    result = cli("create-account", "--structure", str(world.school), "--login", "intrus", "--kind", "personal",
                 "--person", str(world.band_person), "--password", PASSWORD)
    assert result.exit_code != 0 and "Personne introuvable" in result.output
    assert db.scalar(select(Account).where(Account.login == "intrus")) is None


def test_sms_option_by_name_and_id(cli, db, world):
    assert "désactivée" in _ok(cli("sms-option", "disable", "Harmonie de Valmont"))
    assert "déjà désactivée" in _ok(cli("sms-option", "disable", str(world.band)))
    db.expire_all()
    assert db.get(Structure, world.band).sms_option is False
    unknown = cli("sms-option", "enable", "Harmonie")
    assert unknown.exit_code != 0 and "Aucune structure « Harmonie »" in unknown.output


def test_credit_approve_twice_tops_up_once(cli, db, world):
    assert "validée" in _ok(cli("credit", "approve", str(world.order)))
    again = cli("credit", "approve", str(world.order))
    assert again.exit_code != 0 and "déjà été traitée" in again.output
    assert credit.balance(db, world.school) == 100
    assert db.scalar(select(AuditLog.actor_login).where(AuditLog.action == "credit.approve")) == "ligne de commande"


def test_credit_reject(cli, db, world):
    assert "refusée" in _ok(cli("credit", "reject", str(world.order)))
    db.expire_all()
    assert db.get(CreditOrder, world.order).status == "rejected" and credit.balance(db, world.school) == 0


def test_credit_unknown_order(cli):
    result = cli("credit", "approve", "42")
    assert result.exit_code != 0 and "Commande introuvable" in result.output


def _run_worker(app) -> None:
    from blueprints.extensions import db
    from tutti import runtime
    from worker import InProcessWorker

    state = app.extensions["tutti"]
    with app.app_context():
        runtime.configure_from_app(app, db.engine)
    InProcessWorker([state["queue"]], connection=state["redis"]).work(burst=True)


def test_done_when_empty_database_to_outbox(cli, app, db):
    """Issue 4: structure, admin, person, personal account, option, sender name, 100 SMS, then a real send."""
    _ok(cli("create-structure", "Chorale du Val"))
    _ok(cli("create-account", "--structure", "Chorale du Val", "--login", "chorale-admin", "--kind", "admin",
            "--password", PASSWORD))
    out = _ok(cli("create-person", "--structure", "Chorale du Val", "--first-name", "Zoé", "--last-name", "Noël",
                  "--mobile", "06 12 34 56 78"))
    person_id = int(re.search(r"Personne n° (\d+)", out).group(1))
    _ok(cli("create-account", "--structure", "1", "--login", "zoe.noel", "--kind", "personal", "--person",
            str(person_id), "--sms-level", "2", "--password", PASSWORD))
    _ok(cli("sms-option", "enable", "Chorale du Val"))

    admin_client = app.test_client()
    assert admin_client.post("/login", data={"login": "chorale-admin", "password": PASSWORD}).status_code == 302
    assert admin_client.post("/admin/sms/settings", data={
        "sender_name": "CHORALE", "phone_region": "FR", "window_policy": "warn", "low_credit_threshold": "10",
    }).status_code == 302
    assert admin_client.post("/admin/credit/order", data={"pack": "100"}).status_code == 302
    order_id = db.scalar(select(CreditOrder.id).where(CreditOrder.status == "pending"))
    _ok(cli("credit", "approve", str(order_id)))
    assert credit.balance(db, 1) == 100

    zoe = db.scalar(select(Account).where(Account.login == "zoe.noel"))
    assert zoe.level(MODULE_SMS) == 2 and db.get(Person, person_id).mobile_e164 == "+33612345678"
    person = app.test_client()
    assert person.post("/login", data={"login": "zoe.noel", "password": PASSWORD}).status_code == 302
    person.post("/people/selection", data={"person_id": str(person_id), "checked": "1"})
    compose = person.get("/sms/compose", headers={"HX-Request": "true"})
    assert compose.status_code == 200 and 'id="compose"' in compose.get_data(as_text=True)
    message = "Répétition à 18h30, salle Molière."
    recap = html.unescape(person.post("/sms/recap", data={"message": message},
                                      headers={"HX-Request": "true"}).get_data(as_text=True))
    assert "Récapitulatif avant envoi" in recap and "vous coûtera : 1 SMS" in re.sub(r"<[^>]+>", "", recap)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', recap).group(1)
    sent = person.post("/sms/send", data={"message": message, "token": token}, headers={"HX-Request": "true"})
    assert sent.status_code == 200
    _run_worker(app)

    entry = db.scalar(select(OutboxEntry))
    assert (entry.phone, entry.sender, entry.text) == ("+33612345678", "CHORALE", message + ".STOP 36608")
    assert credit.balance(db, 1) == 99 == credit.ledger_balance(db, 1)
