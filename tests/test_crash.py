"""Kill the worker with SIGKILL (its whole process group) at random points, restart it, and check that
no phone got two SMS, every phone got one unless its message is recorded as unknown, each kill left at
most one window (10 messages, the run's marked-outgoing window) unknown, the credit captured is what the
SMSC accepted, and the campaign finished once.

CI runs a short form (TUTTI_CRASH_RECIPIENTS=300, 3 kills). The full form:
TUTTI_CRASH_RECIPIENTS=1000 TUTTI_CRASH_KILLS=6 pytest tests/test_crash.py
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smsc_sim.simulator import Simulator
from tutti.directory import selections
from tutti.models import (
    ACCOUNT_PERSONAL,
    CAMPAIGN_DONE,
    LEVEL_WRITE,
    MODULE_SMS,
    MSG_SENDING,
    MSG_SENT,
    MSG_UNKNOWN,
    Account,
    Campaign,
    Message,
    Person,
    SelectionPerson,
    Structure,
)
from tutti.sms import cost, credit
from tutti.sms.campaigns import create
from tutti.sms.encoding import count

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = int(os.environ.get("TUTTI_CRASH_RECIPIENTS", "300"))
KILLS = int(os.environ.get("TUTTI_CRASH_KILLS", "3"))
TEXTS = {
    "one part": "Concert de Noël samedi à 20h, salle des fêtes.",
    # Two parts, each its own submit_sm: a kill may land between the parts of one message.
    "two parts": "Concert de Noël samedi à 20h, salle des fêtes. Rendez-vous à 19h15 pour l'accord, tenue noire.",
}
# Messages the run marks outgoing, then writes, per window: all a kill may leave unknown.
WINDOW = 10


@pytest.fixture
def simulator():
    sim = Simulator(port=0, system_id="tutti", password="tutti", receipt_delay=0.3)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture(params=sorted(TEXTS))
def text(request) -> str:
    return TEXTS[request.param]


@pytest.fixture
def campaign_id(app, db, text):
    """A structure of RECIPIENTS people with distinct mobiles, all selected, and one recorded campaign."""
    structure = Structure(name="Fanfare de Bellevue", sms_option=True, sender_name="BELLEVUE")
    db.add(structure)
    db.flush()
    credit.add(db, structure.id, RECIPIENTS * 2, kind=credit.INITIAL)
    account = Account(structure_id=structure.id, kind=ACCOUNT_PERSONAL, login="chef", password_hash="x")
    account.set_level(MODULE_SMS, LEVEL_WRITE)
    db.add(account)
    db.flush()
    people = [Person(structure_id=structure.id, first_name=f"Musicien{i}", last_name="Bellevue",
                     first_name_key=f"musicien{i}", last_name_key="bellevue", mobile_raw="",
                     mobile_e164=f"+3361{i:07d}", mobile_kind="mobile") for i in range(RECIPIENTS)]
    db.add_all(people)
    db.flush()
    selection_id = selections.of_account(db, account.id)
    db.add_all([SelectionPerson(selection_id=selection_id, person_id=p.id) for p in people])
    db.commit()
    quote = cost.quote(db, structure.id, selection_id, text)
    made = create(db, structure, account.id, uuid.uuid4().hex, text, quote, "smpp", selection_id=selection_id)
    from tutti.sms.queue import enqueue_campaign

    enqueue_campaign(db, app.extensions["tutti"]["queue"], made.campaign_id)
    return made.campaign_id


def _start_worker(app, port: int, instance: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
               TUTTI_QUEUE_NAME=app.config["TUTTI_QUEUE_NAME"], SECRET_KEY="test-secret",
               TUTTI_SMS_TRANSPORT=f"smpp://tutti:tutti@127.0.0.1:{port}?throughput=150&window={WINDOW}",
               TUTTI_LEASE_SECONDS="3", TUTTI_SWEEP_SECONDS="1", TUTTI_BATCH_SIZE="20",
               TUTTI_INSTANCE_PATH=str(instance))
    log = open(instance / "worker.log", "ab")
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=log, stderr=subprocess.STDOUT)


def _sent(db, campaign_id: int) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).where(Message.campaign_id == campaign_id, Message.state != "queued"))


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _marked_unsettled(db, campaign_id: int) -> set[int]:
    """Return the messages a run marked outgoing and left in `sending`: those a kill may leave unknown."""
    db.expire_all()
    return set(db.scalars(select(Message.id).where(Message.campaign_id == campaign_id, Message.state == MSG_SENDING,
                                                   Message.outgoing_at.is_not(None))))


def _run_with_kills(app, db, simulator, campaign_id: int, instance: Path) -> list[int]:
    """Kill the worker KILLS times; return how many marked, unsettled messages each kill left."""
    rng = random.Random(int(os.environ.get("TUTTI_CRASH_SEED", str(time.time_ns()))))
    left, seen = [], set()
    for kill in range(KILLS):
        worker = _start_worker(app, simulator.port, instance)
        already = _sent(db, campaign_id)
        target = min(RECIPIENTS - 1, already + rng.randint(5, max(6, RECIPIENTS // (KILLS + 1))))
        _wait(lambda: _sent(db, campaign_id) >= target or worker.poll() is not None, 90, f"kill point {kill}")
        time.sleep(rng.random() * 0.2)  # land anywhere: mid-batch, between batches, mid-commit
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        # An earlier kill's leftovers may still wait for their claims to expire: count only this kill's.
        marked = _marked_unsettled(db, campaign_id)
        left.append(len(marked - seen))
        seen |= marked
    worker = _start_worker(app, simulator.port, instance)
    try:
        _wait(lambda: db.get(Campaign, campaign_id, populate_existing=True).status == CAMPAIGN_DONE, 120,
              "the campaign to finish")
        # Receipts vouch for the unknown messages the SMSC did accept.
        accepted = {m["to"] for m in simulator.received()}
        _wait(lambda: not _unvouched(db, campaign_id, accepted), 30, "receipts for unknown messages")
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            raise
    return left


def _unvouched(db, campaign_id: int, accepted: set[str]) -> list[str]:
    db.expire_all()
    unknown = db.scalars(select(Message.phone).where(Message.campaign_id == campaign_id,
                                                     Message.state == MSG_UNKNOWN))
    return [phone for phone in unknown if phone in accepted]


def test_crash_each_phone_gets_at_most_one_and_credit_matches(app, db, simulator, campaign_id, text, tmp_path):
    left = _run_with_kills(app, db, simulator, campaign_id, tmp_path)
    db.expire_all()
    received = Counter(m["to"] for m in simulator.received())
    assert [phone for phone, times in received.items() if times > 1] == []
    states = dict(db.execute(select(Message.phone, Message.state).where(Message.campaign_id == campaign_id)).all())
    missing = [phone for phone, state in states.items() if phone not in received and state != MSG_UNKNOWN]
    assert missing == []
    # A crash loses only what was on the wire: each kill left at most one window that may have gone, and
    # every other number received the SMS exactly once.
    assert all(count <= WINDOW for count in left), left
    unknown = [phone for phone, state in states.items() if state == MSG_UNKNOWN]
    assert len(unknown) <= KILLS * WINDOW, (len(unknown), left)
    assert [phone for phone, state in states.items() if state != MSG_UNKNOWN and received[phone] != 1] == []
    parts = count(text).parts
    totals = credit.campaign_totals(db, campaign_id)
    assert totals[credit.CAPTURE] == len(received) * parts
    held = db.scalar(select(func.count()).where(Message.campaign_id == campaign_id, Message.credit_held.is_(True)))
    assert totals[credit.RESERVATION] == totals[credit.CAPTURE] + totals[credit.RELEASE] + held * parts
    campaign = db.get(Campaign, campaign_id)
    assert campaign.status == CAMPAIGN_DONE and campaign.finished_at is not None
    assert credit.balance(db, campaign.structure_id) == credit.ledger_balance(db, campaign.structure_id)
    assert all(state != MSG_SENT or phone in received for phone, state in states.items())
