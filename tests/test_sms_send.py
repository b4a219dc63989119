"""Envoyer: one campaign, one message per distinct number and one reservation, whatever the user or a forger does."""

from __future__ import annotations

import json
import threading

import pytest
import redis
from rq import Queue
from sms_helpers import (
    DELIVERABLE,
    HX,
    body,
    build_world,
    drain_credit,
    field_value,
    hx_get,
    hx_post,
    login,
    only_campaign,
    recap,
    recap_then_send,
    recap_token,
    root_id,
    run_worker,
    select_people,
    send,
    shared_app_fixtures,
    snapshot,
    text,
    varies_on_htmx,
)
from sqlalchemy import select, update

from blueprints.sms import tokens
from tutti.models import (
    Account,
    Campaign,
    CreditMovement,
    Message,
    OutboxEntry,
    Person,
    SelectionPerson,
    Structure,
    message_people,
)
from tutti.sms import credit
from tutti.sms.queue import job_id

STALE = "Ce récapitulatif a expiré. Validez à nouveau votre message pour l'envoyer."
CHANGED = ("La sélection a changé depuis le récapitulatif : rien n'a été envoyé ni débité. Vérifiez les destinataires "
           "et le nouveau coût avant d'envoyer.")
MESSAGE = "Répétition générale samedi à 14h"


app, db, shared = shared_app_fixtures()


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def writer(client, db, world):
    """The test client, logged in as an account that may send, with the whole world selected."""
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    return client


@pytest.fixture
def shown(writer) -> str:
    """The recap of MESSAGE, as the writer read it."""
    page = body(recap(writer, MESSAGE))
    assert root_id(page) == "recap"
    return page


def press_envoyer(client, page: str, message: str | None = None, token: str | None = None):
    return send(client, field_value(page, "message") if message is None else message,
                recap_token(page) if token is None else token)


def assert_stale(response) -> None:
    page = body(response)
    assert response.status_code == 200
    assert root_id(page) == "compose"
    assert STALE in text(page)


# --- what Envoyer records ---------------------------------------------------------------------


def test_send_answers_progress_fragment(writer, shown):
    response = press_envoyer(writer, shown)
    page = body(response)
    assert response.status_code == 200
    assert root_id(page) == "progress"
    assert varies_on_htmx(response)
    assert "Envoi en cours : 0 / 2" in text(page)


def test_send_progress_polls_itself(writer, shown):
    page = body(press_envoyer(writer, shown))
    assert 'hx-trigger="every 1s"' in page and 'hx-swap="outerHTML"' in page


def test_send_tells_credit_changed(writer, shown):
    response = press_envoyer(writer, shown)
    assert "credit-changed" in json.loads(response.headers["HX-Trigger"])


def test_send_records_one_campaign(writer, db, world, shown):
    press_envoyer(writer, shown)
    campaign = only_campaign(db, world.structure_id)
    assert (campaign.author_id, campaign.text, campaign.suffix, campaign.sender) == (
        world.accounts["ecrivain"], MESSAGE, ".STOP 36608", "CHOEUR")
    assert (campaign.encoding, campaign.parts_per_message, campaign.people_selected, campaign.recipients,
            campaign.cost, campaign.status) == ("GSM-7", 1, 7, 2, 2, "queued")


def test_send_records_ucs2_encoding_and_parts(writer, db, world):
    recap_then_send(writer, "ê" + "a" * 148)
    campaign = only_campaign(db, world.structure_id)
    assert (campaign.encoding, campaign.parts_per_message, campaign.cost) == ("UCS-2", 3, 6)


def test_send_records_text_with_lf_line_breaks(writer, db, world):
    recap_then_send(writer, "Ligne 1\r\nLigne 2")
    assert only_campaign(db, world.structure_id).text == "Ligne 1\nLigne 2"


def test_send_one_message_per_distinct_number(writer, db, world, shown):
    press_envoyer(writer, shown)
    campaign = only_campaign(db, world.structure_id)
    phones = db.scalars(select(Message.phone).where(Message.campaign_id == campaign.id)).all()
    assert sorted(phones) == sorted(DELIVERABLE)


def test_send_messages_stand_for_their_people(writer, db, world, shown):
    press_envoyer(writer, shown)
    rows = db.execute(select(Message.phone, message_people.c.person_id)
                      .join(message_people, message_people.c.message_id == Message.id)).all()
    by_phone: dict[str, set[int]] = {}
    for phone, person_id in rows:
        by_phone.setdefault(phone, set()).add(person_id)
    assert by_phone == {phone: set(world.ids(*keys)) for phone, keys in DELIVERABLE.items()}


def test_send_reserves_shown_cost(writer, db, world, shown):
    press_envoyer(writer, shown)
    campaign = only_campaign(db, world.structure_id)
    reservations = db.scalars(select(CreditMovement).where(CreditMovement.campaign_id == campaign.id)).all()
    assert [(r.kind, r.sms, r.delta) for r in reservations] == [(credit.RESERVATION, 2, -2)]
    assert "coûtera : 2 SMS" in text(shown)


def test_send_balance_follows_ledger(writer, db, world, shown):
    press_envoyer(writer, shown)
    after = snapshot(db, world.structure_id)
    assert after.balance == after.ledger_balance == 226


def test_send_enqueues_one_job(app, writer, db, world, shown):
    press_envoyer(writer, shown)
    campaign = only_campaign(db, world.structure_id)
    queue = app.extensions["tutti"]["queue"]
    assert queue.job_ids == [job_id(campaign.id, queue)]
    assert queue.fetch_job(job_id(campaign.id, queue)).args == (campaign.id,)
    assert campaign.enqueued_at is not None


# --- one press, one campaign --------------------------------------------------------------------


def test_send_twice_same_recap_one_campaign(writer, db, world, shown):
    first = press_envoyer(writer, shown)
    second = press_envoyer(writer, shown)
    after = snapshot(db, world.structure_id)
    assert (after.campaigns, after.messages, after.balance) == (1, 2, 226)
    assert root_id(body(second)) == "progress"
    assert body(first).count("/sms/campaigns/1") == body(second).count("/sms/campaigns/1")


def test_send_twice_one_reservation(writer, db, world, shown):
    press_envoyer(writer, shown)
    press_envoyer(writer, shown)
    db.commit()
    kinds = db.scalars(select(CreditMovement.kind).where(CreditMovement.campaign_id.is_not(None))).all()
    assert kinds == [credit.RESERVATION]


def test_send_twice_one_job(app, writer, shown):
    press_envoyer(writer, shown)
    press_envoyer(writer, shown)
    assert len(app.extensions["tutti"]["queue"].job_ids) == 1


def test_send_double_click_at_once_one_campaign(app, db, world):
    select_people(db, world, world.ids())
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        login(client, "ecrivain")
    page = body(recap(clients[0], MESSAGE))
    barrier = threading.Barrier(2)
    answers = []

    def click(client):
        barrier.wait()
        answers.append(press_envoyer(client, page))

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200]
    assert [root_id(body(a)) for a in answers] == ["progress", "progress"]
    after = snapshot(db, world.structure_id)
    assert (after.campaigns, after.messages, after.balance, after.ledger_balance) == (1, 2, 226, 226)


# --- stale, forged or foreign recaps -------------------------------------------------------------


def test_send_token_of_another_account_refused(app, db, world, shown):
    select_people(db, world, world.ids(), login="ecrivain2")
    other = app.test_client()
    login(other, "ecrivain2")
    before = snapshot(db, world.structure_id)
    assert_stale(press_envoyer(other, shown))
    assert snapshot(db, world.structure_id) == before


def test_send_forged_token_refused(writer, db, world, shown):
    token = recap_token(shown)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    before = snapshot(db, world.structure_id)
    assert_stale(press_envoyer(writer, shown, token=forged))
    assert snapshot(db, world.structure_id) == before


def test_send_token_signed_with_another_key_refused(app, writer, db, world, shown):
    from itsdangerous import URLSafeTimedSerializer

    payload = {"a": world.accounts["ecrivain"], "n": "f" * 32, "h": "0" * 32, "c": 2, "r": 2}
    forged = URLSafeTimedSerializer("not-the-key", salt="tutti-recap").dumps(payload)
    before = snapshot(db, world.structure_id)
    assert_stale(press_envoyer(writer, shown, token=forged))
    assert snapshot(db, world.structure_id) == before


def test_send_missing_token_refused(writer, db, world, shown):
    before = snapshot(db, world.structure_id)
    assert_stale(press_envoyer(writer, shown, token=""))
    assert snapshot(db, world.structure_id) == before


def test_send_expired_token_refused(writer, db, world, shown, monkeypatch):
    monkeypatch.setattr(tokens, "MAX_AGE", -1)
    before = snapshot(db, world.structure_id)
    assert_stale(press_envoyer(writer, shown))
    assert snapshot(db, world.structure_id) == before


def test_send_token_for_another_text_refused(writer, db, world, shown):
    before = snapshot(db, world.structure_id)
    assert_stale(press_envoyer(writer, shown, message="Autre texte, jamais récapitulé"))
    assert snapshot(db, world.structure_id) == before


def test_send_stale_recap_keeps_text(writer, shown, monkeypatch):
    monkeypatch.setattr(tokens, "MAX_AGE", -1)
    page = body(press_envoyer(writer, shown))
    assert MESSAGE in page


def test_send_invalid_message_refused(writer, db, world, shown):
    before = snapshot(db, world.structure_id)
    response = press_envoyer(writer, shown, message="a" * 150)
    assert root_id(body(response)) == "compose"
    assert "Le formulaire d'envoi est invalide. Validez à nouveau votre message." in text(body(response))
    assert snapshot(db, world.structure_id) == before


# --- the world changed between the recap and Envoyer ---------------------------------------------


def test_send_selection_grown_shows_new_recap(client, db, world):
    login(client, "ecrivain")
    select_people(db, world, world.ids("gaston"))
    page = body(recap(client, MESSAGE))
    select_people(db, world, world.ids("alice"))
    before = snapshot(db, world.structure_id)
    response = press_envoyer(client, page)
    assert root_id(body(response)) == "recap"
    assert CHANGED in text(body(response))
    assert "coûtera : 2 SMS" in text(body(response))
    assert snapshot(db, world.structure_id) == before


def test_send_selection_swapped_shows_new_recap(client, db, world):
    from tutti.directory import selections

    login(client, "ecrivain")
    select_people(db, world, world.ids("gaston"))
    page = body(recap(client, MESSAGE))
    selections.clear(db, selections.of_account(db, world.accounts["ecrivain"]))
    select_people(db, world, world.ids("alice"))  # same count, same cost, another phone
    before = snapshot(db, world.structure_id)
    response = press_envoyer(client, page)
    assert root_id(body(response)) == "recap"
    assert CHANGED in text(body(response))
    assert snapshot(db, world.structure_id) == before


def test_send_new_recap_can_be_sent(client, db, world):
    login(client, "ecrivain")
    select_people(db, world, world.ids("gaston"))
    page = body(recap(client, MESSAGE))
    select_people(db, world, world.ids("alice"))
    new_recap = body(press_envoyer(client, page))
    assert root_id(body(press_envoyer(client, new_recap))) == "progress"
    assert only_campaign(db, world.structure_id).recipients == 2


def test_send_credit_drained_since_recap_writes_nothing(writer, db, world, shown):
    drain_credit(db, world.structure_id, leave=1)
    before = snapshot(db, world.structure_id)
    response = press_envoyer(writer, shown)
    page = body(response)
    assert root_id(page) == "recap"
    assert "Votre crédit SMS ne suffit plus pour cet envoi." in text(page)
    assert "Crédit insuffisant : il vous manque 1 SMS pour cet envoi." in text(page)
    assert snapshot(db, world.structure_id) == before


def test_send_person_lost_mobile_since_recap(writer, db, world, shown):
    db.execute(update(Person).where(Person.id == world.people["gaston"]).values(mobile_kind="none", mobile_e164=None))
    db.commit()
    before = snapshot(db, world.structure_id)
    response = press_envoyer(writer, shown)
    assert root_id(body(response)) == "recap"
    assert snapshot(db, world.structure_id) == before


# --- forged selections ----------------------------------------------------------------------


def own_selection(db, world, login: str = "ecrivain") -> int:
    """Return the account's own selection, the one a client naming none works on."""
    from tutti.directory import selections

    return selections.of_account(db, world.accounts[login])


def test_selection_of_another_structure_ignored_by_person_list(writer, db, world):
    from tutti.directory import selections

    own = selections.of_account(db, world.accounts["ecrivain"])
    selections.clear(db, own)
    db.commit()
    response = writer.post("/people/selection", data={"person_id": str(world.other_people["olga"]),
                                                       "checked": "1"}, headers=HX)
    assert response.status_code == 200
    db.commit()
    assert db.scalars(select(SelectionPerson.person_id).where(SelectionPerson.selection_id == own)).all() == []
    assert "Sélectionnez au moins une personne" in text(body(recap(writer, MESSAGE)))


def test_selection_row_of_another_structure_never_receives(writer, db, world):
    db.add(SelectionPerson(selection_id=own_selection(db, world), person_id=world.other_people["olga"]))
    db.commit()
    page = body(recap(writer, MESSAGE))
    assert "Olga" not in page
    press_envoyer(writer, page)
    db.commit()
    phones = db.scalars(select(Message.phone)).all()
    assert sorted(phones) == sorted(DELIVERABLE)
    linked = db.scalars(select(message_people.c.person_id)).all()
    assert world.other_people["olga"] not in linked


def test_selection_of_only_foreign_people_refused(client, db, world):
    db.add_all([SelectionPerson(selection_id=own_selection(db, world), person_id=pid)
                for pid in world.other_people.values()])
    db.commit()
    login(client, "ecrivain")
    assert "Sélectionnez au moins une personne" in text(body(recap(client, MESSAGE)))


# --- the session ends mid-flow ------------------------------------------------------------------


def test_send_after_logout_redirects_to_login(writer, db, world, shown):
    writer.post("/logout")
    before = snapshot(db, world.structure_id)
    response = press_envoyer(writer, shown)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert snapshot(db, world.structure_id) == before


def test_send_after_password_change_redirects_to_login(writer, db, world, shown):
    db.execute(update(Account).where(Account.id == world.accounts["ecrivain"])
               .values(session_version=Account.session_version + 1))
    db.commit()
    before = snapshot(db, world.structure_id)
    response = press_envoyer(writer, shown)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert snapshot(db, world.structure_id) == before


def test_send_after_option_withdrawn_refused(writer, db, world, shown):
    db.execute(update(Structure).where(Structure.id == world.structure_id).values(sms_option=False))
    db.commit()
    before = snapshot(db, world.structure_id)
    response = press_envoyer(writer, shown)
    assert response.status_code == 403
    assert root_id(body(response)) == "sms-gate"
    assert snapshot(db, world.structure_id) == before


# --- Redis is down when Envoyer is pressed -----------------------------------------------------


@pytest.fixture
def redis_down(app):
    """Point the app's queue at a port where no Redis listens."""
    app.extensions["tutti"]["queue"] = Queue("tutti-down", connection=redis.Redis.from_url("redis://127.0.0.1:1/0"))


def test_send_redis_down_keeps_campaign(writer, db, world, shown, redis_down):
    response = press_envoyer(writer, shown)
    assert response.status_code == 200
    campaign = only_campaign(db, world.structure_id)
    assert (campaign.status, campaign.enqueued_at, campaign.recipients) == ("queued", None, 2)


def test_send_redis_down_keeps_reservation(writer, db, world, shown, redis_down):
    press_envoyer(writer, shown)
    after = snapshot(db, world.structure_id)
    assert (after.balance, after.ledger_balance, after.messages) == (226, 226, 2)


def test_send_redis_down_tells_user(writer, shown, redis_down):
    page = body(press_envoyer(writer, shown))
    assert root_id(page) == "progress"
    assert "momentanément indisponible" in text(page)
    assert "inutile de cliquer à nouveau sur Envoyer" in text(page)


def test_send_redis_down_then_replay_makes_no_second_campaign(app, writer, db, world, shown, redis_down):
    press_envoyer(writer, shown)
    press_envoyer(writer, shown)
    assert snapshot(db, world.structure_id).campaigns == 1


# --- the whole flow on the demo data (the issue's « Done when ») -----------------------------------


def test_demo_secretariat_sends_one_sms(app, client, demo):
    structure = demo.scalar(select(Structure).where(Structure.name == "École de musique de Saint-Aubin"))
    account = demo.scalar(select(Account).where(Account.login == "secretariat"))
    with_mobile = demo.scalar(select(Person).where(Person.structure_id == structure.id,
                                                   Person.mobile_kind == "mobile").order_by(Person.id))
    without = demo.scalar(select(Person).where(Person.structure_id == structure.id,
                                               Person.mobile_kind == "none").order_by(Person.id))
    client.post("/login", data={"login": "secretariat", "password": "tutti-demo"})
    for person in (with_mobile, without):
        client.post("/people/selection", data={"person_id": str(person.id), "checked": "1"}, headers=HX)
    message = "Bonjour ça va ou bien Répét ce soir"
    assert root_id(body(hx_get(client, "/sms/compose"))) == "compose"
    assert "114 caractères restants · 1 SMS par destinataire" in text(body(hx_post(client, "/sms/countdown",
                                                                                   {"message": message})))
    page = body(recap(client, message))
    assert "coûtera : 1 SMS" in text(page)
    assert f"{without.first_name} {without.last_name} : pas de mobile" in text(page)
    assert root_id(body(press_envoyer(client, page))) == "progress"
    run_worker(app)
    campaign = demo.scalar(select(Campaign).where(Campaign.author_id == account.id))
    assert "Envoi terminé" in text(body(hx_get(client, f"/sms/campaigns/{campaign.id}/progress")))
    demo.commit()
    entry = demo.scalar(select(OutboxEntry))
    assert (entry.phone, entry.text) == (with_mobile.mobile_e164, message + ".STOP 36608")
    assert (credit.balance(demo, structure.id), credit.ledger_balance(demo, structure.id)) == (227, 227)
