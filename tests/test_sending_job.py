"""The sending job, run by a real RQ worker on a real Redis: each number gets one SMS, the structure pays once.

The pages that show what was sent (history, campaign, outbox, credit) are tested here too, after a real job.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from rq.job import Job
from sms_helpers import (
    DELIVERABLE,
    add_person,
    body,
    build_world,
    figure,
    hx_get,
    login,
    only_campaign,
    recap,
    recap_then_send,
    root_id,
    run_worker,
    select_people,
    shared_app_fixtures,
    snapshot,
    text,
)
from sqlalchemy import func, select, update

from tutti import deliveries, runtime
from tutti.models import Campaign, CreditMovement, Message, OutboxEntry, utcnow
from tutti.sms import credit, sending
from tutti.sms.queue import enqueue_campaign, job_id
from tutti.transports.base import OutgoingSms, SendResult

MESSAGE = "Concert annulé ce soir, désolés !"


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


def envoyer(client, db, world, message: str = MESSAGE) -> Campaign:
    """Valider then Envoyer; return the campaign recorded (its job is in the queue)."""
    recap_page, answer = recap_then_send(client, message)
    assert root_id(body(answer)) == "progress"
    return only_campaign(db, world.structure_id)


def add_mobiles(db, world, count: int) -> list[int]:
    """Add people with distinct mobiles to the main structure; return their ids."""
    return [add_person(db, world.structure_id, f"Choriste{i}", "Lambert", f"06 20 00 00 {i:02d}")
            for i in range(count)]


def job_result(app, campaign_id: int):
    job = Job.fetch(job_id(campaign_id, app.config["TUTTI_QUEUE_NAME"]), connection=app.extensions["tutti"]["redis"])
    return job.get_status(), job.return_value()


def outbox(db) -> list[OutboxEntry]:
    db.commit()
    return list(db.scalars(select(OutboxEntry).order_by(OutboxEntry.message_id)))


def states(db, campaign_id: int) -> dict[str, str]:
    db.commit()
    return dict(db.execute(select(Message.phone, Message.state).where(Message.campaign_id == campaign_id)).all())


def ledger(db, campaign_id: int) -> dict[str, int]:
    db.commit()
    return credit.campaign_totals(db, campaign_id)


class ScriptedTransport:
    """A transport that answers, per phone, what the test scripted; a stand-in for the SMPP provider.

    The real SMPP transport is tested against its simulator elsewhere; this one lets a test choose outcomes.
    """

    name = "scripted"

    def __init__(self, outcomes: dict[str, str] | None = None):
        self.outcomes = outcomes or {}
        self.sent: list[OutgoingSms] = []

    def send_batch(self, batch: list[OutgoingSms]) -> list[SendResult]:
        """Answer each SMS with its scripted outcome (accepted when not scripted)."""
        self.sent.extend(batch)
        results = []
        for sms in batch:
            outcome = self.outcomes.get(sms.to, "accepted")
            results.append(SendResult(
                sms.message_id, outcome, provider_id=f"prov-{sms.message_id}" if outcome == "accepted" else None,
                error={"failed": "numéro refusé par l'opérateur", "unknown": "réponse perdue"}.get(outcome)))
        return results

    def recover(self, message_ids: list[int]) -> dict[int, SendResult]:
        """Know nothing of earlier runs, as a provider without idempotency keys."""
        return {}

    def close(self) -> None:
        """Nothing to release."""


@pytest.fixture
def scripted(monkeypatch):
    """Make the job send through a ScriptedTransport."""
    transport = ScriptedTransport()
    monkeypatch.setattr(sending, "from_url", lambda url, sessions: transport)
    return transport


# --- one real run -------------------------------------------------------------------------------


def test_job_sends_each_distinct_number_once(app, writer, db, world):
    envoyer(writer, db, world)
    run_worker(app)
    assert sorted(e.phone for e in outbox(db)) == sorted(DELIVERABLE)


def test_job_sends_full_text_with_suffix(app, writer, db, world):
    envoyer(writer, db, world)
    run_worker(app)
    assert {(e.sender, e.text) for e in outbox(db)} == {("CHOEUR", MESSAGE + ".STOP 36608")}


@pytest.mark.parametrize(("message", "encoding", "parts"), [
    ("Bonjour", "GSM-7", 1), ("a" * 149, "GSM-7", 1), ("ê" + "a" * 148, "UCS-2", 3), ("Leçon", "UCS-2", 1)])
def test_job_outbox_encoding_and_parts(app, writer, db, world, message, encoding, parts):
    envoyer(writer, db, world, message)
    run_worker(app)
    assert {(e.encoding, e.parts) for e in outbox(db)} == {(encoding, parts)}


def test_job_sends_line_breaks_as_lf(app, writer, db, world):
    envoyer(writer, db, world, "Ligne 1\r\nLigne 2")
    run_worker(app)
    assert {e.text for e in outbox(db)} == {"Ligne 1\nLigne 2.STOP 36608"}


def test_job_marks_every_message_sent(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    assert set(states(db, campaign.id).values()) == {"sent"}


def test_job_finishes_campaign(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    campaign = only_campaign(db, world.structure_id)
    assert campaign.status == "done"
    assert campaign.started_at is not None and campaign.finished_at is not None
    assert (campaign.lease_owner, campaign.lease_until) == (None, None)


def test_job_result_in_rq(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    assert job_result(app, campaign.id) == ("finished", "finished")


def test_job_captures_cost_shown(app, writer, db, world):
    shown = text(body(recap(writer, "ê" + "a" * 148)))
    assert "coûtera : 6 SMS" in shown
    campaign = envoyer(writer, db, world, "ê" + "a" * 148)
    run_worker(app)
    assert ledger(db, campaign.id) == {credit.RESERVATION: 6, credit.CAPTURE: 6, credit.RELEASE: 0}


def test_job_balance_follows_ledger(app, writer, db, world):
    envoyer(writer, db, world)
    run_worker(app)
    after = snapshot(db, world.structure_id)
    assert after.balance == after.ledger_balance == 226


def test_job_small_batches_send_everything_once(app, writer, db, world):
    select_people(db, world, add_mobiles(db, world, 5))
    campaign = envoyer(writer, db, world)
    app.extensions["tutti"]["queue"].empty()
    with app.app_context():
        runtime.configure(shared_engine(app), "outbox")
    assert sending.send_campaign(campaign.id, batch_size=2) == "finished"
    entries = outbox(db)
    assert len(entries) == len({e.message_id for e in entries}) == campaign.recipients == 7


def shared_engine(app):
    from blueprints.extensions import db

    return db.engine


# --- run again: nothing twice -----------------------------------------------------------------------


def test_job_enqueued_again_sends_nothing_twice(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    before = snapshot(db, world.structure_id)
    assert enqueue_campaign(db, app.extensions["tutti"]["queue"], campaign.id)
    run_worker(app)
    assert snapshot(db, world.structure_id) == before
    assert job_result(app, campaign.id) == ("finished", "busy or finished")


def test_job_called_twice_sends_nothing_twice(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    before = snapshot(db, world.structure_id)
    assert sending.send_campaign(campaign.id) == "busy or finished"
    assert snapshot(db, world.structure_id) == before


def test_job_two_runs_at_once_send_each_number_once(app, writer, db, world):
    select_people(db, world, add_mobiles(db, world, 6))
    campaign = envoyer(writer, db, world)
    app.extensions["tutti"]["queue"].empty()
    with app.app_context():
        runtime.configure_from_app(app, shared_engine(app))
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        results.append(sending.send_campaign(campaign.id, batch_size=2))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = outbox(db)
    assert len(entries) == len({e.phone for e in entries}) == campaign.recipients == 8
    assert "finished" in results
    assert ledger(db, campaign.id)[credit.CAPTURE] == campaign.cost


def claim_for_another_run(db, campaign: Campaign, count: int, alive: bool, owner: str = "autre-worker:42:abcd"
                          ) -> list[int]:
    """Leave the first `count` messages in flight in another run, alive (claim ahead) or dead (claim expired)."""
    ids = list(db.scalars(select(Message.id).where(Message.campaign_id == campaign.id).order_by(Message.id)))[:count]
    until = utcnow() + (timedelta(seconds=60) if alive else -timedelta(seconds=1))
    db.execute(update(Message).where(Message.id.in_(ids)).values(state="sending", claimed_by=owner, claim_until=until))
    db.execute(update(Campaign).where(Campaign.id == campaign.id).values(
        status="sending", lease_owner=owner, lease_until=until))
    db.commit()
    return ids


def test_job_shares_campaign_with_live_run_leaving_its_claims(app, writer, db, world):
    select_people(db, world, add_mobiles(db, world, 4))
    campaign = envoyer(writer, db, world)
    theirs = claim_for_another_run(db, campaign, 2, alive=True)
    run_worker(app)
    assert sorted(e.message_id for e in outbox(db)) == sorted(
        set(db.scalars(select(Message.id).where(Message.campaign_id == campaign.id))) - set(theirs))
    db.expire_all()
    held = db.execute(select(Message.state, Message.claimed_by).where(Message.id.in_(theirs))).all()
    assert held == [("sending", "autre-worker:42:abcd")] * 2
    # The other run still sends: it finalises, not this one.
    assert only_campaign(db, world.structure_id).status == "sending"
    assert ledger(db, campaign.id)[credit.CAPTURE] == 0
    assert job_result(app, campaign.id) == ("finished", "shared: another run finishes it")


def test_job_expired_claim_of_a_dead_run_recovered(app, writer, db, world):
    select_people(db, world, add_mobiles(db, world, 4))
    campaign = envoyer(writer, db, world)
    claim_for_another_run(db, campaign, 3, alive=False, owner="mort:1:dead")
    run_worker(app)
    entries = outbox(db)
    # The outbox knows these three never reached it: they go, once, with the rest.
    assert len(entries) == len({e.phone for e in entries}) == campaign.recipients == 6
    assert set(states(db, campaign.id).values()) == {"sent"}
    assert only_campaign(db, world.structure_id).status == "done"
    assert ledger(db, campaign.id)[credit.CAPTURE] == campaign.cost


def test_job_expired_claim_recovered_live_claims_untouched(app, writer, db, world, scripted):
    select_people(db, world, add_mobiles(db, world, 4))
    campaign = envoyer(writer, db, world)
    dead = claim_for_another_run(db, campaign, 2, alive=False, owner="mort:1:dead")
    live = [i for i in claim_for_another_run(db, campaign, 4, alive=True) if i not in dead]
    db.execute(update(Message).where(Message.id.in_(dead)).values(claimed_by="mort:1:dead",
                                                                  claim_until=utcnow() - timedelta(seconds=1)))
    db.commit()
    run_worker(app)
    db.expire_all()
    by_id = dict(db.execute(select(Message.id, Message.state).where(Message.campaign_id == campaign.id)).all())
    # In flight in a dead run, the provider cannot say: « inconnu », never resent. A live run's: left to it.
    assert {by_id[i] for i in dead} == {"unknown"}
    assert {by_id[i] for i in live} == {"sending"}
    sent_ids = sorted(sms.message_id for sms in scripted.sent)
    assert sent_ids == sorted(set(by_id) - set(dead) - set(live))
    assert only_campaign(db, world.structure_id).status == "sending"


def test_job_two_runs_interleaving_each_send_part_once(app, writer, db, world, scripted):
    """A second run joins while the first has a batch in flight: they share the campaign, one finalises."""
    select_people(db, world, add_mobiles(db, world, 8))
    campaign = envoyer(writer, db, world)
    app.extensions["tutti"]["queue"].empty()
    with app.app_context():
        runtime.configure_from_app(app, shared_engine(app))
    first_batch = scripted.send_batch
    inner: list[str] = []
    senders: list[str] = []

    def send_batch(batch):
        senders.append("first" if not inner else "after")
        if not inner:
            inner.append("running")
            # While the first run's batch is in flight, a second run sends the rest of the campaign.
            inner[0] = sending.send_campaign(campaign.id, batch_size=3)
        return first_batch(batch)

    scripted.send_batch = send_batch
    outer = sending.send_campaign(campaign.id, batch_size=3)
    phones = [sms.to for sms in scripted.sent]
    assert len(phones) == len(set(phones)) == campaign.recipients == 10
    assert inner == ["shared: another run finishes it"] and outer == "finished"
    db.expire_all()
    owners = set(db.scalars(select(Message.claimed_by).where(Message.campaign_id == campaign.id)))
    assert len(owners) == 2
    assert set(states(db, campaign.id).values()) == {"sent"}
    captures = db.scalar(select(func.count()).where(CreditMovement.campaign_id == campaign.id,
                                                    CreditMovement.kind == credit.CAPTURE))
    assert captures == 1 and ledger(db, campaign.id)[credit.CAPTURE] == campaign.cost


def test_job_expired_lease_taken_over(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    db.execute(update(Campaign).where(Campaign.id == campaign.id).values(
        status="sending", lease_owner="mort:1:dead", lease_until=utcnow() - timedelta(seconds=1)))
    db.commit()
    run_worker(app)
    assert len(outbox(db)) == 2
    assert only_campaign(db, world.structure_id).status == "done"


def interrupt_after_claiming(db, campaign: Campaign, handed: int) -> list[int]:
    """Leave the campaign as a killed run would: every message claimed, the first `handed` in the outbox."""
    ids = list(db.scalars(select(Message.id).where(Message.campaign_id == campaign.id).order_by(Message.id)))
    db.execute(update(Message).where(Message.campaign_id == campaign.id).values(state="sending"))
    for message in db.scalars(select(Message).where(Message.id.in_(ids[:handed]))):
        db.add(OutboxEntry(structure_id=campaign.structure_id, message_id=message.id, sender=campaign.sender,
                           phone=message.phone, text=campaign.text + campaign.suffix, encoding=campaign.encoding,
                           parts=campaign.parts_per_message))
    db.execute(update(Campaign).where(Campaign.id == campaign.id).values(
        status="sending", started_at=utcnow(), lease_owner="tue:1:dead", lease_until=utcnow() - timedelta(seconds=1)))
    db.commit()
    return ids


def test_job_interrupted_run_resumes_without_resending(app, writer, db, world):
    select_people(db, world, add_mobiles(db, world, 4))
    campaign = envoyer(writer, db, world)
    ids = interrupt_after_claiming(db, campaign, handed=3)
    first_rows = {e.message_id: e.id for e in outbox(db)}
    run_worker(app)
    entries = outbox(db)
    assert len(ids) == 6
    assert sorted(e.message_id for e in entries) == ids
    assert {e.message_id: e.id for e in entries if e.message_id in first_rows} == first_rows


def test_job_interrupted_run_settles_every_message(app, writer, db, world):
    select_people(db, world, add_mobiles(db, world, 4))
    campaign = envoyer(writer, db, world)
    interrupt_after_claiming(db, campaign, handed=3)
    run_worker(app)
    assert set(states(db, campaign.id).values()) == {"sent"}
    assert ledger(db, campaign.id) == {credit.RESERVATION: 6, credit.CAPTURE: 6, credit.RELEASE: 0}


def test_job_interrupted_unknown_outcome_never_resent(app, writer, db, world, scripted):
    campaign = envoyer(writer, db, world)
    interrupt_after_claiming(db, campaign, handed=0)
    run_worker(app)
    assert scripted.sent == []
    assert set(states(db, campaign.id).values()) == {"unknown"}


def test_job_interrupted_unknown_outcome_not_charged(app, writer, db, world, scripted):
    campaign = envoyer(writer, db, world)
    interrupt_after_claiming(db, campaign, handed=0)
    run_worker(app)
    assert ledger(db, campaign.id)[credit.CAPTURE] == 0
    assert deliveries.release_expired_holds(db, hold=timedelta(0)) == 2
    assert ledger(db, campaign.id) == {credit.RESERVATION: 2, credit.CAPTURE: 0, credit.RELEASE: 2}


def test_job_ledger_never_negative(app, writer, db, world):
    envoyer(writer, db, world)
    run_worker(app)
    sending.send_campaign(only_campaign(db, world.structure_id).id)
    db.commit()
    afters = db.scalars(select(CreditMovement.balance_after).where(CreditMovement.structure_id == world.structure_id))
    assert min(afters) >= 0
    assert db.scalar(select(func.sum(CreditMovement.delta))) >= 0


# --- what the provider refused or never answered ---------------------------------------------------


ALICE, GASTON = sorted(DELIVERABLE)


def test_job_failed_messages_released(app, writer, db, world, scripted):
    scripted.outcomes = {GASTON: "failed"}
    campaign = envoyer(writer, db, world)
    run_worker(app)
    assert states(db, campaign.id) == {ALICE: "sent", GASTON: "failed"}
    assert ledger(db, campaign.id) == {credit.RESERVATION: 2, credit.CAPTURE: 1, credit.RELEASE: 1}
    assert snapshot(db, world.structure_id).balance == 227


def test_job_unknown_outcome_not_charged(app, writer, db, world, scripted):
    scripted.outcomes = {GASTON: "unknown"}
    campaign = envoyer(writer, db, world)
    run_worker(app)
    assert states(db, campaign.id) == {ALICE: "sent", GASTON: "unknown"}
    assert ledger(db, campaign.id)[credit.CAPTURE] == 1


def test_job_unknown_outcome_holds_its_credit_until_released(app, writer, db, world, scripted):
    scripted.outcomes = {GASTON: "unknown"}
    campaign = envoyer(writer, db, world)
    run_worker(app)
    assert ledger(db, campaign.id)[credit.RELEASE] == 0  # a delivery receipt may still vouch for it
    assert deliveries.release_expired_holds(db, hold=timedelta(0)) == 1
    assert ledger(db, campaign.id) == {credit.RESERVATION: 2, credit.CAPTURE: 1, credit.RELEASE: 1}
    after = snapshot(db, world.structure_id)
    assert after.balance == after.ledger_balance == 227


def test_job_transport_silent_on_a_message_records_unknown(app, writer, db, world, scripted, monkeypatch):
    answer = scripted.send_batch
    monkeypatch.setattr(scripted, "send_batch", lambda batch: answer([s for s in batch if s.to != GASTON]))
    campaign = envoyer(writer, db, world)
    run_worker(app)
    assert states(db, campaign.id) == {ALICE: "sent", GASTON: "unknown"}


def test_job_all_failed_releases_everything(app, writer, db, world, scripted):
    scripted.outcomes = {ALICE: "failed", GASTON: "failed"}
    campaign = envoyer(writer, db, world)
    run_worker(app)
    assert ledger(db, campaign.id)[credit.CAPTURE] == 0
    assert snapshot(db, world.structure_id).balance == 228


def test_campaign_page_shows_failed_and_unknown_in_french(app, writer, db, world, scripted):
    scripted.outcomes = {ALICE: "failed", GASTON: "unknown"}
    campaign = envoyer(writer, db, world)
    run_worker(app)
    page = text(body(writer.get(f"/sms/campaigns/{campaign.id}")))
    assert "Alice Martin, Bruno Martin 06 12 34 56 01 échec numéro refusé par l'opérateur" in page
    assert "Gaston Vidal 07 55 44 33 22 inconnu réponse perdue" in page


def test_progress_shows_failures_and_unknown(app, writer, db, world, scripted):
    scripted.outcomes = {ALICE: "failed", GASTON: "unknown"}
    campaign = envoyer(writer, db, world)
    run_worker(app)
    page = body(hx_get(writer, f"/sms/campaigns/{campaign.id}/progress"))
    assert (figure(page, "Échecs"), figure(page, "Issue inconnue"), figure(page, "Crédit débité")) == (
        "1", "1", "0 SMS")


# --- the pages that show what was sent --------------------------------------------------------------


def test_progress_before_job_polls(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    page = body(hx_get(writer, f"/sms/campaigns/{campaign.id}/progress"))
    assert root_id(page) == "progress"
    assert "Envoi en cours : 0 / 2" in text(page)
    assert 'hx-trigger="every 1s"' in page


def test_progress_after_job_stops_polling_with_totals(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    page = body(hx_get(writer, f"/sms/campaigns/{campaign.id}/progress"))
    assert root_id(page) == "progress"
    assert "Envoi terminé" in text(page)
    assert "hx-trigger" not in page
    assert (figure(page, "SMS envoyés"), figure(page, "Crédit débité"), figure(page, "Crédit restant")) == (
        "2", "2 SMS", "226 SMS")


def test_history_lists_campaign(app, writer, db, world):
    envoyer(writer, db, world)
    run_worker(app)
    page = text(body(writer.get("/sms/campaigns")))
    assert "Historique des envois" in page
    assert f"ecrivain {MESSAGE} 2 2 SMS terminé" in page


def test_history_empty(app, writer):
    assert "Aucun SMS n'a encore été envoyé." in text(body(writer.get("/sms/campaigns")))


def test_campaign_page_lists_recipients_sent(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    page = text(body(writer.get(f"/sms/campaigns/{campaign.id}")))
    assert "Alice Martin, Bruno Martin 06 12 34 56 01 envoyé" in page
    assert "Gaston Vidal 07 55 44 33 22 envoyé" in page
    assert f"{MESSAGE}.STOP 36608" in page


def test_campaign_page_before_job_says_waiting(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    page = body(writer.get(f"/sms/campaigns/{campaign.id}"))
    recipients = text(page[page.index('<section id="recipients"'):])
    assert recipients.count("en attente") == 2


def test_campaign_recipients_fragment_for_htmx(app, writer, db, world):
    campaign = envoyer(writer, db, world)
    response = hx_get(writer, f"/sms/campaigns/{campaign.id}")
    assert root_id(body(response)) == "recipients"


def test_outbox_shows_what_each_phone_received(app, writer, db, world):
    envoyer(writer, db, world)
    run_worker(app)
    page = text(body(writer.get("/sms/outbox")))
    assert "Boîte d'envoi (simulation)" in page
    for phone in ("06 12 34 56 01", "07 55 44 33 22"):
        assert f"CHOEUR {phone} {MESSAGE}.STOP 36608 1 (caractères standards)" in page


def test_credit_page_shows_movements(app, writer, db, world):
    envoyer(writer, db, world)
    run_worker(app)
    page = text(body(writer.get("/sms/credit")))
    assert "Vous disposez de : 226 SMS" in page
    assert "Réservation Envoi n°" in page and "Débit Envoi n°" in page and "2 débités" in page


def test_lecture_account_sees_what_was_sent(app, writer, db, world, client):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    writer.post("/logout")
    login(client, "lecteur")
    assert client.get("/sms/campaigns").status_code == 200
    assert "envoyé" in text(body(client.get(f"/sms/campaigns/{campaign.id}")))
    assert MESSAGE in text(body(client.get("/sms/outbox")))
    assert hx_get(client, "/sms/compose").status_code == 403


def test_other_structure_sees_nothing_of_it(app, writer, db, world, client):
    campaign = envoyer(writer, db, world)
    run_worker(app)
    writer.post("/logout")
    login(client, "autre")
    assert client.get(f"/sms/campaigns/{campaign.id}").status_code == 404
    assert MESSAGE not in body(client.get("/sms/campaigns"))
    assert MESSAGE not in body(client.get("/sms/outbox"))


# --- escaping -------------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def evil_campaign(app, client, db, world) -> Campaign:
    evil = add_person(db, world.structure_id, IMG, "Zorro", "06 33 33 33 33")
    select_people(db, world, [evil])
    login(client, "ecrivain")
    campaign = envoyer(client, db, world, SCRIPT)
    run_worker(app)
    return campaign


@pytest.mark.parametrize("path", ["/sms/campaigns", "/sms/campaigns/{id}", "/sms/outbox"])
def test_pages_escape_message_and_names(client, evil_campaign, path):
    page = body(client.get(path.format(id=evil_campaign.id)))
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_campaign_page_escapes_person_name(client, evil_campaign):
    page = body(client.get(f"/sms/campaigns/{evil_campaign.id}"))
    assert "&lt;img src=x onerror=alert(1)&gt; Zorro" in page


def test_job_name_is_the_send_function():
    from rq.utils import import_attribute

    from tutti.sms.queue import JOB

    assert import_attribute(JOB) is sending.send_campaign


def test_jobs_per_campaign_enqueues_shares_and_unschedules_them_all(app, db, world):
    from tutti.sms.queue import jobs_per_campaign, unschedule

    queue = app.extensions["tutti"]["queue"]
    queue.empty()
    app.config["TUTTI_JOBS_PER_CAMPAIGN"] = 2
    try:
        shares = jobs_per_campaign(app.config)
        assert enqueue_campaign(db, queue, 4242, at=utcnow() + timedelta(hours=2), shares=shares)
        first = job_id(4242, queue)
        assert sorted(queue.scheduled_job_registry.get_job_ids()) == [first, f"{first}-share-2"]
        unschedule(queue, 4242, shares)
    finally:
        app.config.pop("TUTTI_JOBS_PER_CAMPAIGN")
    assert queue.scheduled_job_registry.get_job_ids() == []
