"""Delivery receipts: deliver_sm from the simulator, through the worker's receiver bind, turn statuses on the page.

The campaign is sent through the app and a real RQ worker; the receiver is the one `python worker.py` runs
beside the queue (`worker.start_receiver` on `worker.side_sessions`). Receipt parsing and the receiver's bind
are unit-tested in test_smpp_receipts.py; here each test is about what a receipt does to a message, the page
and the credit.
"""

from __future__ import annotations

import logging

import pytest
from sms_helpers import body, login, select_people
from sqlalchemy import select
from test_smpp_flow import (
    ALICE,
    GASTON,
    GSM_TEXT,
    LONG_UCS2,
    assert_ledger_matches,
    ledger,
    new_simulator,
    newest_campaign,
    received_by,
    run_job,
    send_through_app,
    smpp_app_fixtures,
    smpp_url,
    states,
    status_column,
    wait_for,
)

from tutti.deliveries import UnknownReceipt, apply_receipt
from tutti.directory.phones import display
from tutti.models import (
    MSG_DELIVERED,
    MSG_EXPIRED,
    MSG_REJECTED,
    MSG_SENT,
    MSG_UNDELIVERED,
    Message,
    MessagePart,
)
from tutti.smpp.config import BindConfig
from tutti.sms import credit
from tutti.transports.base import OutgoingSms
from tutti.transports.smpp import SmppTransport

shared, app, sim, receiver, world, writer = smpp_app_fixtures(receipt_delay=0.1)


def settled(db, campaign_id: int):
    """Wait until no message of the campaign is still « envoyé »; return the states by phone."""
    return wait_for(lambda: (s := states(db, campaign_id)) and MSG_SENT not in s.values() and s,
                    what="receipts to settle every message")


def test_delivered_receipts_turn_statuses_to_recu_and_stop_the_polling(app, sim, receiver, db, world, writer):
    send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    run_job(app)
    assert settled(db, campaign.id) == {ALICE: MSG_DELIVERED, GASTON: MSG_DELIVERED}
    page = body(writer.get(f"/sms/campaigns/{campaign.id}"))
    shown = status_column(writer, campaign.id)
    assert shown == {display(ALICE): "reçu", display(GASTON): "reçu"}
    assert 'hx-trigger="every 3s"' not in page  # nothing more to wait for: the list stops polling
    db.commit()
    parts = db.scalars(select(MessagePart.stat).join(Message).where(Message.campaign_id == campaign.id)).all()
    assert parts == ["DELIVRD", "DELIVRD"]


def test_page_polls_while_messages_wait_for_their_receipt(app, db, world, writer):
    sim = new_simulator(receipts=False)
    try:
        app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port)
        send_through_app(writer, GSM_TEXT)
        run_job(app)
    finally:
        sim.stop()
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.status == "done"
    page = body(writer.get(f"/sms/campaigns/{campaign.id}"))
    assert 'hx-trigger="every 3s"' in page and status_column(writer, campaign.id)[display(GASTON)] == "envoyé"


@pytest.mark.parametrize("stat, err, state, label", [
    ("UNDELIV", "001", MSG_UNDELIVERED, "non reçu"),
    ("EXPIRED", "000", MSG_EXPIRED, "expiré"),
    ("REJECTD", "045", MSG_REJECTED, "rejeté"),
])
def test_failed_receipt_shows_on_the_page_and_stays_charged(app, sim, receiver, db, world, writer, stat, err, state,
                                                            label):
    sim.set_receipt(GASTON, stat, err)
    send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    run_job(app)
    assert settled(db, campaign.id) == {ALICE: MSG_DELIVERED, GASTON: state}
    shown = status_column(writer, campaign.id)
    assert shown[display(GASTON)] == label and shown[display(ALICE)] == "reçu"
    db.commit()
    error = db.scalar(select(Message.error).where(Message.campaign_id == campaign.id, Message.phone == GASTON))
    assert error == (f"code {err}" if err.strip("0") else None)
    # The policy the campaign page states: accepted by the operator is charged, delivered or not.
    totals = assert_ledger_matches(db, campaign)
    assert (totals[credit.CAPTURE], totals[credit.RELEASE]) == (2, 0)
    page = body(writer.get(f"/sms/campaigns/{campaign.id}"))
    assert "même s'il n'est finalement pas reçu" in page


def test_multi_part_message_is_recu_when_every_part_is(app, sim, receiver, db, world, client):
    select_people(db, world, world.ids("gaston"))
    login(client, "ecrivain")
    send_through_app(client, LONG_UCS2)
    campaign = newest_campaign(db, world.structure_id)
    run_job(app)
    assert settled(db, campaign.id) == {GASTON: MSG_DELIVERED}
    db.commit()
    assert db.scalars(select(MessagePart.stat).join(Message).where(Message.campaign_id == campaign.id)).all() == [
        "DELIVRD"] * 3
    assert ledger(db, campaign.id)[credit.CAPTURE] == 3


def test_part_receipts_one_by_one(app, db, world, client):
    """Receipts per part: the message waits for all of them, and takes the worst."""
    sim = new_simulator(receipts=False)
    try:
        app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port)
        select_people(db, world, world.ids())
        login(client, "ecrivain")
        send_through_app(client, LONG_UCS2)
        run_job(app)
    finally:
        sim.stop()
    campaign = newest_campaign(db, world.structure_id)
    db.commit()
    ids = {phone: pid.split(",") for phone, pid in db.execute(
        select(Message.phone, Message.provider_id).where(Message.campaign_id == campaign.id))}
    assert [len(v) for v in ids.values()] == [3, 3]
    apply_receipt(db, ids[GASTON][0], "DELIVRD")
    apply_receipt(db, ids[GASTON][2], "DELIVRD")
    apply_receipt(db, ids[GASTON][1], "ENROUTE")  # not an outcome
    assert states(db, campaign.id)[GASTON] == MSG_SENT
    apply_receipt(db, ids[GASTON][1], "DELIVRD")
    assert states(db, campaign.id)[GASTON] == MSG_DELIVERED
    apply_receipt(db, ids[GASTON][1], "DELIVRD")  # a receipt delivered twice changes nothing
    assert states(db, campaign.id)[GASTON] == MSG_DELIVERED
    apply_receipt(db, ids[ALICE][0], "DELIVRD")
    apply_receipt(db, ids[ALICE][1], "UNDELIV", "001")
    assert states(db, campaign.id)[ALICE] == MSG_SENT
    apply_receipt(db, ids[ALICE][2], "DELIVRD")
    assert states(db, campaign.id)[ALICE] == MSG_UNDELIVERED
    assert status_column(client, campaign.id) == {display(ALICE): "non reçu", display(GASTON): "reçu"}


def test_receipt_vouches_for_an_unknown_message_and_its_held_credit_is_captured(app, sim, receiver, db, world,
                                                                               writer):
    """The SMSC took Gaston's SMS but its answer never came: « inconnu », held; its receipt then settles it."""
    app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port, "throughput=100&timeout=1")
    sim.swallow_response_for(GASTON)
    send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    run_job(app)
    wait_for(lambda: states(db, campaign.id) == {ALICE: MSG_DELIVERED, GASTON: MSG_DELIVERED},
             what="receipts for both, the unknown one included")
    assert received_by(sim) == {ALICE: 1, GASTON: 1}
    totals = assert_ledger_matches(db, campaign)
    assert (totals[credit.CAPTURE], totals[credit.RELEASE], totals["held"]) == (2, 0, 0)
    assert status_column(writer, campaign.id)[display(GASTON)] == "reçu"


def test_receipt_for_an_unknown_id_raises(app, db, world):
    with pytest.raises(UnknownReceipt):
        apply_receipt(db, "no-such-id", "DELIVRD")


def test_receipt_before_the_part_is_recorded_is_asked_again_then_applied(app, sim, db, world, writer, caplog):
    """A receipt can beat the job's commit: the receiver answers « retry later » and the SMSC offers it again."""
    import worker as W

    send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    gaston = db.scalar(select(Message).where(Message.campaign_id == campaign.id, Message.phone == GASTON))
    transport = SmppTransport(BindConfig.from_url(smpp_url(sim.port)))
    try:  # the SMS leaves as the job would send it, but nothing is recorded yet
        [result] = transport.send_batch([OutgoingSms(gaston.id, world.structure_id, "CHOEUR", GASTON, "x")])
    finally:
        transport.close()
    assert result.outcome == "accepted"
    with caplog.at_level(logging.INFO, logger="tutti.smpp.session"):
        rec = W.start_receiver(app, W.side_sessions(app))
        try:
            wait_for(lambda: any("asking the SMSC to retry" in r.getMessage() for r in caplog.records),
                     what="the receiver to refuse the early receipt")
            assert sim.delivered == 0
            # Refused because the part is not recorded yet (UnknownReceipt names its provider id).
            assert any("not matched yet" in r.getMessage() and result.provider_id in r.getMessage()
                       for r in caplog.records)
            db.add(MessagePart(provider_id=result.provider_id, message_id=gaston.id))
            db.execute(Message.__table__.update().where(Message.id == gaston.id)
                       .values(state=MSG_SENT, provider_id=result.provider_id))
            db.commit()
            wait_for(lambda: states(db, campaign.id)[GASTON] == MSG_DELIVERED, what="the receipt offered again")
        finally:
            rec.stop()
    assert sim.delivered == 1


def test_receiver_restarts_and_catches_up_on_receipts(app, db, world, writer):
    """Receipts that come while no receiver is bound wait at the SMSC and are applied once it binds."""
    import worker as W

    sim = new_simulator(receipt_delay=0.05)
    try:
        app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port)
        send_through_app(writer, GSM_TEXT)
        campaign = newest_campaign(db, world.structure_id)
        run_job(app)
        assert set(states(db, campaign.id).values()) == {MSG_SENT}
        rec = W.start_receiver(app, W.side_sessions(app))
        try:
            assert settled(db, campaign.id) == {ALICE: MSG_DELIVERED, GASTON: MSG_DELIVERED}
        finally:
            rec.stop()
    finally:
        sim.stop()

