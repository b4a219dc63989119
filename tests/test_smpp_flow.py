"""The whole path to phones: recap and Envoyer in the app, the RQ job in a real worker, SMPP to the simulator.

Each test starts a fresh SMSC simulator on a free loopback port, points TUTTI_SMS_TRANSPORT at it, sends
through the app's own pages, runs the queue with a real RQ worker (`worker.InProcessWorker`) in burst mode,
and reads what each phone got from the simulator's record of every submit_sm (reassembled by UDH). The unit behaviour
of the transport and the simulator is covered by test_smpp_transport.py and test_smpp_simulator.py;
here every assertion is about what a structure's send does end to end: texts, encodings, who gets what
exactly once, and what the credit ledger keeps.

Helpers below (not fixtures) are shared with test_deliveries.py, test_optouts.py and test_worker_process.py.
"""

from __future__ import annotations

import collections
import re
import socket
import time
from datetime import timedelta

import pytest
from sms_helpers import (
    _person,
    body,
    build_world,
    login,
    module_app_fixtures,
    recap,
    recap_token,
    root_id,
    select_people,
    send,
    text,
)
from sqlalchemy import func, select

from smsc_sim.simulator import Simulator
from tutti.directory.phones import display
from tutti.models import (
    ACCEPTED_STATES,
    CAMPAIGN_DONE,
    CAMPAIGN_SENDING,
    MSG_FAILED,
    MSG_QUEUED,
    MSG_SENDING,
    MSG_SENT,
    MSG_UNKNOWN,
    Campaign,
    CreditMovement,
    Message,
    utcnow,
)
from tutti.sms import credit, encoding
from tutti.sms.queue import JOB

GSM_TEXT = "Répétition à 18h30, salle Molière."
UCS2_TEXT = "Bonjour ça va ou bien Répét ce soir"
LONG_UCS2 = "ê" + "a" * 148  # 149 characters; with the suffix 160 UTF-16 units: 3 parts of at most 67
SENDER = "CHOEUR"  # the sender name build_world gives the main structure
ALICE, GASTON = "+33612345601", "+33755443322"  # Bruno shares Alice's number; Fanny answered STOP long ago


# --- helpers shared by the SMPP flow tests ---------------------------------------------------------------


def new_simulator(port: int = 0, **options) -> Simulator:
    """Start an SMSC simulator (system_id and password "tutti") on loopback; return it started."""
    options.setdefault("receipt_delay", 0.2)
    sim = Simulator(port=port, system_id="tutti", password="tutti", **options)
    sim.start()
    return sim


def smpp_url(port: int, query: str = "throughput=100") -> str:
    """Return the TUTTI_SMS_TRANSPORT value for a simulator on this port."""
    return f"smpp://tutti:tutti@127.0.0.1:{port}?{query}"


def free_port() -> int:
    """Return a loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def add_people(db, structure_id: int, n: int, first: int = 1) -> tuple[list[int], list[str]]:
    """Create n people with distinct mobiles (06 10 00 00 01, …) in one commit; return their ids and E.164s."""
    rows = [_person(structure_id, f"Choriste{i:04d}", "Nombreux", f"06 10 {i // 10000:02d} {i // 100 % 100:02d}"
                    f" {i % 100:02d}") for i in range(first, first + n)]
    db.add_all(rows)
    db.flush()
    ids, phones = [p.id for p in rows], [p.mobile_e164 for p in rows]
    db.commit()
    assert len(set(phones)) == n and all(phones)
    return ids, phones


def send_through_app(client, message: str) -> str:
    """Press Valider then Envoyer on the recap as htmx does; return the send response's page."""
    shown = recap(client, message)
    assert root_id(body(shown)) == "recap", text(body(shown))
    sent = send(client, message, recap_token(body(shown)))
    assert sent.status_code == 200, body(sent)
    return body(sent)


def newest_campaign(db, structure_id: int) -> Campaign:
    """Return the structure's newest campaign, as other sessions committed it."""
    db.commit()
    db.expire_all()
    return db.scalars(select(Campaign).where(Campaign.structure_id == structure_id)
                      .order_by(Campaign.id.desc()).limit(1)).one()


def run_job(app, **settings) -> None:
    """Run the app's queue with a real RQ worker in this process, in burst mode.

    `settings` go to tutti.runtime (e.g. provider_patience), as worker.py's configure_from_app would set them.
    """
    from blueprints.extensions import db
    from tutti import runtime
    from worker import InProcessWorker

    state = app.extensions["tutti"]
    with app.app_context():
        runtime.configure(db.engine, app.config["TUTTI_SMS_TRANSPORT"], redis_url=app.config["REDIS_URL"],
                          queue_name=app.config["TUTTI_QUEUE_NAME"], **settings)
    worker = InProcessWorker([state["queue"]], connection=state["redis"])
    assert worker.work(burst=True)


def job_result(app, campaign_id: int):
    """Return what the campaign's job returned."""
    from rq.job import Job

    from tutti.sms.queue import job_id

    queue = app.extensions["tutti"]["queue"]
    return Job.fetch(job_id(campaign_id, queue), connection=queue.connection).return_value()


def states(db, campaign_id: int) -> dict[str, str]:
    """Return each message's state by phone, as other sessions committed it."""
    db.commit()
    db.expire_all()
    return dict(db.execute(select(Message.phone, Message.state).where(Message.campaign_id == campaign_id)).all())


def ledger(db, campaign_id: int) -> dict[str, int]:
    """Return the SMS a campaign reserved, captured and released."""
    db.commit()
    return credit.campaign_totals(db, campaign_id)


def received_by(sim: Simulator) -> collections.Counter:
    """Count the whole messages each phone got."""
    return collections.Counter(m["to"] for m in sim.received())


def status_column(client, campaign_id: int) -> dict[str, str]:
    """Return the campaign page's « Statut » column by phone number as shown."""
    page = body(client.get(f"/sms/campaigns/{campaign_id}"))
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 4:
            rows[cells[1]] = cells[2]
    return rows


def wait_for(condition, timeout: float = 10.0, what: str = "condition"):
    """Poll until condition() is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def assert_ledger_matches(db, campaign: Campaign) -> dict[str, int]:
    """Capture is what the accepted messages cost; unknown ones hold theirs; the rest of the reservation is released."""
    db.commit()
    accepted = db.scalar(select(func.count()).where(
        Message.campaign_id == campaign.id, Message.state.in_(ACCEPTED_STATES)))
    held = db.scalar(select(func.count()).where(Message.campaign_id == campaign.id, Message.credit_held.is_(True)))
    totals = ledger(db, campaign.id)
    totals["held"] = held * campaign.parts_per_message
    assert totals[credit.CAPTURE] == accepted * campaign.parts_per_message
    assert totals[credit.CAPTURE] + totals[credit.RELEASE] + totals["held"] == totals[credit.RESERVATION]
    assert totals[credit.RESERVATION] == campaign.cost
    assert credit.balance(db, campaign.structure_id) == credit.ledger_balance(db, campaign.structure_id)
    return totals


# --- fixtures -----------------------------------------------------------------------------------------------


def smpp_app_fixtures(**simulator_options):
    """Return the fixtures of a module that sends over SMPP on one shared app.

    (shared, app, sim, receiver, world, writer): the simulator the app's transport points at, the worker's
    receiving bind writing through sessions of its own, the people, and a client that may send to them.
    """
    shared, app = module_app_fixtures()

    @pytest.fixture
    def sim(app):
        simulator = new_simulator(**simulator_options)
        app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(simulator.port)
        yield simulator
        simulator.stop()

    @pytest.fixture
    def receiver(app, sim):
        import worker as W

        rec = W.start_receiver(app, W.side_sessions(app))
        assert rec.bound.wait(5), "the receiver did not bind"
        yield rec
        rec.stop()

    @pytest.fixture
    def world(db):
        return build_world(db)

    @pytest.fixture
    def writer(client, db, world):
        """The test client logged in as an account that may send, with the world's people selected."""
        select_people(db, world, world.ids())
        login(client, "ecrivain")
        return client

    return shared, app, sim, receiver, world, writer


shared, app, sim, receiver, world, writer = smpp_app_fixtures()


# --- what phones receive ----------------------------------------------------------------------------------


def test_gsm7_text_reaches_each_number_once_with_the_suffix(app, sim, db, world, writer):
    page = send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.transport == "smpp" and campaign.status == "queued" and "en cours" in text(page)
    run_job(app)
    assert job_result(app, campaign.id) == "finished"
    got = sim.received()
    # Alice and Bruno share a number: one SMS; Fanny answered STOP; the others have no usable mobile.
    assert sorted(m["to"] for m in got) == sorted([ALICE, GASTON])
    for message in got:
        assert message["text"] == GSM_TEXT + ".STOP 36608" == encoding.full_text(GSM_TEXT)
        assert (message["data_coding"], message["parts"], message["complete"]) == (0, 1, True)
        assert message["sender"] == SENDER
        [segment] = message["segments"]
        assert segment.esm_class == 0 and segment.registered_delivery == 1
    assert states(db, campaign.id) == {ALICE: MSG_SENT, GASTON: MSG_SENT}
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.status == CAMPAIGN_DONE
    assert assert_ledger_matches(db, campaign)[credit.CAPTURE] == 2


def test_ucs2_text_is_data_coding_8(app, sim, db, world, writer):
    send_through_app(writer, UCS2_TEXT)
    run_job(app)
    got = sim.received()
    assert len(got) == 2
    for message in got:
        assert message["text"] == UCS2_TEXT + encoding.SUFFIX
        assert (message["data_coding"], message["parts"]) == (8, 1)
        assert message["segments"][0].short_message == message["text"].encode("utf-16-be")


def test_multi_part_ucs2_is_reassembled_exactly_with_a_udh_on_each_part(app, sim, db, world, client):
    select_people(db, world, world.ids("gaston"))
    login(client, "ecrivain")
    send_through_app(client, LONG_UCS2)
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.parts_per_message == 3 and campaign.cost == 3
    run_job(app)
    [message] = sim.received()
    assert message["to"] == GASTON and message["sender"] == SENDER
    assert message["text"] == LONG_UCS2 + encoding.SUFFIX and message["complete"]
    assert (message["parts"], message["data_coding"]) == (3, 8)
    assert [len(t) for t in message["part_texts"]] == [67, 67, 26]
    assert all(s.esm_class == 0x40 and s.data_coding == 8 for s in message["segments"])
    udhs = [s.short_message[:6] for s in message["segments"]]
    assert len({u[3] for u in udhs}) == 1  # one reference for the three parts
    assert [(u[0], u[1], u[4], u[5]) for u in udhs] == [(5, 0, 3, 1), (5, 0, 3, 2), (5, 0, 3, 3)]
    db.commit()
    stored = db.scalar(select(Message).where(Message.campaign_id == campaign.id))
    assert stored.provider_id == ",".join(message["message_ids"])
    assert ledger(db, campaign.id)[credit.CAPTURE] == 3


def test_many_numbers_each_receive_exactly_once(app, sim, db, world, client):
    ids, phones = add_people(db, world.structure_id, 60)
    select_people(db, world, ids + world.ids())
    login(client, "ecrivain")
    send_through_app(client, GSM_TEXT)
    app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port, "throughput=0&window=10")
    run_job(app, batch_size=7)  # several batches, the last one short
    counts = received_by(sim)
    assert set(counts) == set(phones) | {ALICE, GASTON} and set(counts.values()) == {1}
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.status == CAMPAIGN_DONE and set(states(db, campaign.id).values()) == {MSG_SENT}


# --- throttling ------------------------------------------------------------------------------------------


def test_provider_cap_is_honoured_and_nothing_is_lost(app, db, world, client):
    cap, n = 20, 40
    sim = new_simulator(cap=cap)
    try:
        ids, phones = add_people(db, world.structure_id, n)
        select_people(db, world, ids)
        login(client, "ecrivain")
        app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port, "throughput=50&window=10")
        send_through_app(client, GSM_TEXT)
        started = time.monotonic()
        run_job(app)
        elapsed = time.monotonic() - started
    finally:
        sim.stop()
    counts = received_by(sim)
    assert sorted(counts) == sorted(phones) and set(counts.values()) == {1}
    assert sim.stats["accepted"] == n and sim.stats["throttled"] > 0
    campaign = newest_campaign(db, world.structure_id)
    assert set(states(db, campaign.id).values()) == {MSG_SENT}
    burst = max(2.0, cap / 5)  # the simulator's bucket
    assert elapsed >= (n - burst) / cap * 0.95
    times = sorted(s.at for s in sim.submits())
    # No second of the run took more than the cap plus the simulator's burst.
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t < start + 1.0) <= cap + burst
    assert_ledger_matches(db, campaign)


# --- provider errors ---------------------------------------------------------------------------------------


def test_refused_destination_fails_and_its_credit_is_released(app, sim, db, world, writer):
    sim.fail_destination(GASTON, 0x0B)
    send_through_app(writer, GSM_TEXT)
    run_job(app)
    campaign = newest_campaign(db, world.structure_id)
    assert states(db, campaign.id) == {ALICE: MSG_SENT, GASTON: MSG_FAILED}
    assert list(received_by(sim)) == [ALICE]
    totals = assert_ledger_matches(db, campaign)
    assert (totals[credit.RESERVATION], totals[credit.CAPTURE], totals[credit.RELEASE]) == (2, 1, 1)
    shown = status_column(writer, campaign.id)
    assert shown[display(GASTON)] == "échec" and shown[display(ALICE)] == "envoyé"
    db.commit()
    error = db.scalar(select(Message.error).where(Message.phone == GASTON))
    assert "0x0000000B" in error.upper() or "0B" in error.upper(), error


def test_queue_full_answers_are_retried_and_all_sent_once(app, sim, db, world, client):
    ids, phones = add_people(db, world.structure_id, 8)
    select_people(db, world, ids)
    login(client, "ecrivain")
    send_through_app(client, GSM_TEXT)
    sim.fail_next(3, status=0x14)
    run_job(app)
    assert sim.stats["refused"] == 3
    counts = received_by(sim)
    assert sorted(counts) == sorted(phones) and set(counts.values()) == {1}
    campaign = newest_campaign(db, world.structure_id)
    assert set(states(db, campaign.id).values()) == {MSG_SENT}
    assert ledger(db, campaign.id)[credit.CAPTURE] == 8


def test_cut_connection_reconnects_without_resending_and_charges_only_what_was_known_taken(app, sim, db, world,
                                                                                          client):
    import worker as W
    from tutti.deliveries import release_expired_holds

    n = 40
    ids, phones = add_people(db, world.structure_id, n)
    select_people(db, world, ids)
    login(client, "ecrivain")
    send_through_app(client, GSM_TEXT)
    sim.drop_connection_after(15)  # the 16th submit_sm is taken, then the link dies unanswered
    run_job(app)
    counts = received_by(sim)
    assert max(counts.values()) == 1, "a number got the SMS twice"
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.status == CAMPAIGN_DONE
    by_phone = states(db, campaign.id)
    assert set(by_phone.values()) <= {MSG_SENT, MSG_UNKNOWN}
    unknown = {p for p, s in by_phone.items() if s == MSG_UNKNOWN}
    sent = {p for p, s in by_phone.items() if s == MSG_SENT}
    assert 1 <= len(unknown) <= 10  # the cut one and, at most, the rest of its window
    assert sent <= set(counts)  # every « envoyé » was received
    taken_unanswered = set(counts) - sent
    # The cut one arrived; a reset link can also swallow the answer already on its way for the one before
    # (TCP drops unread data on a reset). Whatever was taken unanswered is « inconnu », never « envoyé ».
    assert 1 <= len(taken_unanswered) <= 10 and taken_unanswered <= unknown
    assert len(sent) >= n - 10 and sim.stats["binds"] >= 2  # after a new bind the rest went out
    totals = assert_ledger_matches(db, campaign)
    # Unknown messages are not charged: their credit stays reserved until a receipt vouches or the hold ends.
    assert (totals[credit.CAPTURE], totals[credit.RELEASE], totals["held"]) == (len(sent), 0, len(unknown))
    shown = status_column(client, campaign.id)
    assert {shown[display(p)] for p in unknown} == {"inconnu"}

    # The SMSC's receipts for the ones it took vouch for them: charged; the others' hold is released later.
    rec = W.start_receiver(app, W.side_sessions(app))
    try:
        wait_for(lambda: all(states(db, campaign.id)[p] == "delivered" for p in taken_unanswered),
                 what="the receipts to vouch")
    finally:
        rec.stop()
    release_expired_holds(db, hold=timedelta(0))
    totals = assert_ledger_matches(db, campaign)
    vouched = len(taken_unanswered)
    assert (totals[credit.CAPTURE], totals[credit.RELEASE], totals["held"]) == (
        len(sent) + vouched, len(unknown) - vouched, 0)
    assert sum(1 for s in states(db, campaign.id).values() if s == MSG_UNKNOWN) == len(unknown) - vouched


def test_unanswered_submit_is_unknown_and_never_resent(app, sim, db, world, writer):
    app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port, "throughput=100&timeout=1")
    sim.swallow_response_for(GASTON)
    send_through_app(writer, GSM_TEXT)
    run_job(app)
    campaign = newest_campaign(db, world.structure_id)
    assert states(db, campaign.id) == {ALICE: MSG_SENT, GASTON: MSG_UNKNOWN}
    # The job runs again (RQ runs a job at least once): nothing goes out twice.
    app.extensions["tutti"]["queue"].enqueue(JOB, campaign.id)
    run_job(app)
    assert received_by(sim) == {ALICE: 1, GASTON: 1}
    assert states(db, campaign.id) == {ALICE: MSG_SENT, GASTON: MSG_UNKNOWN}
    totals = assert_ledger_matches(db, campaign)
    assert (totals[credit.CAPTURE], totals[credit.RELEASE], totals["held"]) == (1, 0, 1)  # not charged, held
    assert status_column(writer, campaign.id)[display(GASTON)] == "inconnu"


def test_messages_a_dead_run_left_sending_are_unknown_not_resent(app, sim, db, world, writer):
    """A worker killed mid-window leaves rows in `sending`, marked outgoing, and an expired lease: the next run
    does not resend them."""
    send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    db.execute(Message.__table__.update().where(Message.campaign_id == campaign.id, Message.phone == GASTON)
               .values(state=MSG_SENDING, claimed_by="dead:1:x", outgoing_at=utcnow()))
    db.execute(Campaign.__table__.update().where(Campaign.id == campaign.id)
               .values(status=CAMPAIGN_SENDING, lease_owner="dead:1:x", lease_until=None))
    db.commit()
    run_job(app)
    assert list(received_by(sim)) == [ALICE]
    assert states(db, campaign.id) == {ALICE: MSG_SENT, GASTON: MSG_UNKNOWN}
    assert newest_campaign(db, world.structure_id).status == CAMPAIGN_DONE


def test_messages_a_dead_run_claimed_but_never_marked_outgoing_are_sent_once(app, sim, db, world, writer):
    """A worker killed before it marked a window outgoing never wrote it: the next run sends those messages, once."""
    send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    db.execute(Message.__table__.update().where(Message.campaign_id == campaign.id)
               .values(state=MSG_SENDING, claimed_by="dead:1:x", claim_until=None))
    db.execute(Campaign.__table__.update().where(Campaign.id == campaign.id)
               .values(status=CAMPAIGN_SENDING, lease_owner="dead:1:x", lease_until=None))
    db.commit()
    run_job(app)
    assert received_by(sim) == collections.Counter({ALICE: 1, GASTON: 1})
    assert states(db, campaign.id) == {ALICE: MSG_SENT, GASTON: MSG_SENT}
    assert newest_campaign(db, world.structure_id).status == CAMPAIGN_DONE


# --- provider away -----------------------------------------------------------------------------------------


def test_unreachable_provider_leaves_the_campaign_for_later_then_it_finishes(app, db, world, writer):
    import worker as W

    port = free_port()
    app.config["TUTTI_SMS_TRANSPORT"] = smpp_url(port)
    send_through_app(writer, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)
    started = time.monotonic()
    run_job(app, provider_patience=2)
    assert time.monotonic() - started < 15
    assert job_result(app, campaign.id) == "provider unreachable: left for the sweeper"
    assert newest_campaign(db, world.structure_id).status == CAMPAIGN_SENDING
    assert set(states(db, campaign.id).values()) == {MSG_QUEUED}
    assert ledger(db, campaign.id) == {credit.RESERVATION: 2, credit.CAPTURE: 0, credit.RELEASE: 0}

    sim = new_simulator(port=port)
    try:
        # The sweeper finds the campaign its job let go of and hands it back to the queue.
        assert W.sweep_once(app, W.side_sessions(app)) == [campaign.id]
        run_job(app, provider_patience=2)
    finally:
        sim.stop()
    assert received_by(sim) == {ALICE: 1, GASTON: 1}
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.status == CAMPAIGN_DONE
    assert set(states(db, campaign.id).values()) == {MSG_SENT}
    assert assert_ledger_matches(db, campaign)[credit.CAPTURE] == 2


def test_ledger_rows_per_campaign_are_one_each(app, sim, db, world, writer):
    """Finalising twice (a replayed job) writes no second capture or release."""
    from tutti.sms.sending import finalise

    sim.fail_destination(GASTON)
    send_through_app(writer, GSM_TEXT)
    run_job(app)
    campaign = newest_campaign(db, world.structure_id)
    assert finalise(db, campaign.id) is False
    db.commit()
    kinds = collections.Counter(db.scalars(select(CreditMovement.kind).where(CreditMovement.campaign_id
                                                                             == campaign.id)))
    assert kinds == {credit.RESERVATION: 1, credit.CAPTURE: 1, credit.RELEASE: 1}

