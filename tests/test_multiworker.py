"""Several `python worker.py` processes against one Redis, sending through the SMPP simulator.

Each run of a campaign's job claims messages for itself (which run, until when), so several runs may send one
campaign at once (TUTTI_JOBS_PER_CAMPAIGN jobs per campaign). What this proves: campaigns recorded together are
spread over the workers and every number gets exactly one SMS; three workers send one campaign together, each part
of it, every number once, finalised once; a campaign whose worker is killed mid-send is finished by another worker,
and no number gets two SMS (a message in flight at the kill is « inconnu », never resent).

TUTTI_MULTIWORKER_RECIPIENTS (default 300 per campaign, 1,000 for the campaign of the dead worker) scales it up.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from rq import Worker
from rq.job import Job
from sqlalchemy import func, select

from smsc_sim.simulator import Simulator
from tutti.directory import selections
from tutti.models import (
    ACCOUNT_PERSONAL,
    CAMPAIGN_DONE,
    LEVEL_WRITE,
    MODULE_SMS,
    MSG_DELIVERED,
    MSG_QUEUED,
    MSG_SENT,
    MSG_UNKNOWN,
    Account,
    Campaign,
    CreditMovement,
    Message,
    Person,
    SelectionPerson,
    Structure,
)
from tutti.sms import cost, credit
from tutti.sms.campaigns import create
from tutti.sms.queue import job_id

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = int(os.environ.get("TUTTI_MULTIWORKER_RECIPIENTS", "300"))
BIG = max(RECIPIENTS, 1000)
TEXT = "Répétition générale samedi à 14h, salle Pleyel."


@pytest.fixture
def simulator():
    sim = Simulator(port=0, system_id="tutti", password="tutti", receipt_delay=0.2)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def workers(app, simulator, tmp_path):
    """Start `python worker.py` processes on demand (JSON logs in files); stop every one of them at the end."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(throughput: int = 400, **extra: str) -> tuple[subprocess.Popen, Path]:
        n = len(started)
        instance = tmp_path / f"worker{n}"
        instance.mkdir()
        env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                   REDIS_URL=app.config["REDIS_URL"], TUTTI_QUEUE_NAME=app.config["TUTTI_QUEUE_NAME"],
                   SECRET_KEY="test-secret", TUTTI_INSTANCE_PATH=str(instance), TUTTI_LOG_FORMAT="json",
                   TUTTI_SMS_TRANSPORT=f"smpp://tutti:tutti@127.0.0.1:{simulator.port}?throughput={throughput}"
                                       "&window=10",
                   TUTTI_LEASE_SECONDS="3", TUTTI_SWEEP_SECONDS="1", TUTTI_BATCH_SIZE="20", **extra)
        log = instance / "worker.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True,
                                       stdout=out, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process, log

    yield start
    for process, _ in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process, log in started:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
            raise AssertionError(f"a worker did not stop on SIGTERM:\n{log.read_text()[-3000:]}") from None


def record_campaign(app, db, name: str, prefix: str, size: int) -> tuple[int, set[str]]:
    """Record a campaign of `size` people with distinct mobiles (+336<prefix>…); return its id and numbers."""
    structure = Structure(name=name, sms_option=True, sender_name="ORCHESTRE")
    db.add(structure)
    db.flush()
    credit.add(db, structure.id, size * 2, kind=credit.INITIAL)
    account = Account(structure_id=structure.id, kind=ACCOUNT_PERSONAL, login=f"chef-{prefix}", password_hash="x")
    account.set_level(MODULE_SMS, LEVEL_WRITE)
    db.add(account)
    db.flush()
    numbers = [f"+336{prefix}{i:06d}" for i in range(size)]
    people = [Person(structure_id=structure.id, first_name=f"Musicien{i}", last_name=name, first_name_key=f"m{i}",
                     last_name_key=name.lower(), mobile_raw="", mobile_e164=number, mobile_kind="mobile")
              for i, number in enumerate(numbers)]
    db.add_all(people)
    db.flush()
    selection_id = selections.of_account(db, account.id)
    db.add_all([SelectionPerson(selection_id=selection_id, person_id=p.id) for p in people])
    db.commit()
    quote = cost.quote(db, structure.id, selection_id, TEXT)
    made = create(db, structure, account.id, uuid.uuid4().hex, TEXT, quote, "smpp", selection_id=selection_id)
    return made.campaign_id, set(numbers)


def enqueue(app, db, campaign_id: int, jobs: int = 1) -> None:
    """Hand the campaign to the queue, the way Envoyer does after its commit (`jobs` jobs share it)."""
    from tutti.sms.queue import enqueue_campaign, jobs_per_campaign

    app.config["TUTTI_JOBS_PER_CAMPAIGN"] = jobs
    assert enqueue_campaign(db, app.extensions["tutti"]["queue"], campaign_id, shares=jobs_per_campaign(app.config))


def wait_for(predicate, timeout: float, what: str, logs: list[Path] = ()) -> None:
    """Wait until `predicate()` holds; fail with the workers' last log lines when the time runs out."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tails = "\n".join(log.read_text()[-2000:] for log in logs)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        time.sleep(0.1)


def done(db, campaign_id: int) -> bool:
    """Tell whether the campaign is finished."""
    return db.get(Campaign, campaign_id, populate_existing=True).status == CAMPAIGN_DONE


def settled(db, campaign_id: int) -> int:
    """Return how many of the campaign's messages have left the queue."""
    db.expire_all()
    return db.scalar(select(func.count()).where(Message.campaign_id == campaign_id, Message.state != MSG_QUEUED))


def outcomes(log: Path) -> list[dict]:
    """Return the job outcome lines a worker logged (one JSON object per line)."""
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [line for line in lines if "job_status" in line]


def states(db, campaign_id: int) -> dict[str, str]:
    """Return each number's message state."""
    db.expire_all()
    return dict(db.execute(select(Message.phone, Message.state).where(Message.campaign_id == campaign_id)).all())


def test_multiworker_campaigns_spread_over_workers_each_sms_once(app, db, simulator, workers):
    """Three campaigns recorded together, three workers: they share the campaigns, and each number gets one SMS."""
    started = [workers() for _ in range(3)]
    queue = app.extensions["tutti"]["queue"]
    wait_for(lambda: len(Worker.all(queue=queue)) == 3, 60, "three workers", [log for _, log in started])
    campaigns = {}
    for n in range(3):
        campaign_id, numbers = record_campaign(app, db, f"Orchestre {n}", f"{n}", RECIPIENTS)
        campaigns[campaign_id] = numbers
    for campaign_id in campaigns:
        enqueue(app, db, campaign_id)
    wait_for(lambda: all(done(db, c) for c in campaigns), 180, "every campaign to finish", [log for _, log in started])

    def finished_by() -> set[str]:
        return {line["worker"] for _, log in started for line in outcomes(log)
                if line.get("campaign_status") == CAMPAIGN_DONE and line.get("result") == "finished"}

    wait_for(lambda: sum(len(outcomes(log)) for _, log in started) >= 3, 30, "three outcome lines",
             [log for _, log in started])

    received = Counter(m["to"] for m in simulator.received())
    expected = set().union(*campaigns.values())
    assert set(received) == expected
    assert [phone for phone, n in received.items() if n > 1] == []
    for campaign_id in campaigns:
        assert set(states(db, campaign_id).values()) <= {MSG_SENT, MSG_DELIVERED}
    assert len(finished_by()) >= 2, f"every campaign went to one worker: {finished_by()}"


def test_multiworker_campaign_of_a_dead_worker_finished_by_another(app, db, simulator, workers):
    """A worker killed (SIGKILL, its work-horse with it) mid-campaign: another worker's sweeper takes the campaign
    back once the lease expires and finishes it; no number gets two SMS, every message sent was received once."""
    campaign_id, numbers = record_campaign(app, db, "Orchestre de Bellevue", "9", BIG)
    first, first_log = workers(throughput=150)
    queue = app.extensions["tutti"]["queue"]
    wait_for(lambda: len(Worker.all(queue=queue)) == 1, 60, "the first worker", [first_log])
    enqueue(app, db, campaign_id)
    wait_for(lambda: settled(db, campaign_id) >= BIG // 5, 120, "the first worker to send a fifth", [first_log])
    second, second_log = workers()
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(10)
    before_kill = len(simulator.received())
    assert 0 < before_kill < BIG
    wait_for(lambda: done(db, campaign_id), 180, "the second worker to finish the campaign", [second_log])

    received = Counter(m["to"] for m in simulator.received())
    assert [phone for phone, n in received.items() if n > 1] == []
    assert set(received) <= numbers
    by_state = states(db, campaign_id)
    # Sent or delivered: received exactly once. « Inconnu »: in flight at the kill, never resent.
    assert all(received[phone] == 1 for phone, state in by_state.items() if state != MSG_UNKNOWN)
    unknown = [phone for phone, state in by_state.items() if state == MSG_UNKNOWN]
    assert len(unknown) <= 20, f"{len(unknown)} messages unknown: more than one batch was in flight"
    assert len(received) > before_kill, "the second worker sent nothing"

    def finished() -> list[dict]:
        return [line for line in outcomes(second_log) if line.get("campaign_id") == campaign_id
                and line.get("result") == "finished"]

    # The job logs its outcome just after the commit that finishes the campaign.
    wait_for(lambda: finished(), 30, "the second worker's outcome line", [second_log])
    assert len(finished()) == 1 and finished()[0]["campaign_status"] == CAMPAIGN_DONE


def test_multiworker_three_workers_share_one_campaign_each_sms_once(app, db, simulator, workers):
    """One campaign of 1,000, three jobs, three workers: all three send part of it at the same time; every number
    gets one SMS, the campaign is finalised once and the credit captured is what the provider accepted."""
    started = [workers(throughput=150, TUTTI_JOBS_PER_CAMPAIGN="3") for _ in range(3)]
    logs = [log for _, log in started]
    queue = app.extensions["tutti"]["queue"]
    wait_for(lambda: len(Worker.all(queue=queue)) == 3, 60, "three workers", logs)
    campaign_id, numbers = record_campaign(app, db, "Orchestre partagé", "7", BIG)
    enqueue(app, db, campaign_id, jobs=3)
    first = job_id(campaign_id, queue)
    shares = [first, f"{first}-share-2", f"{first}-share-3"]
    assert all(Job.exists(share, connection=queue.connection) for share in shares)
    wait_for(lambda: done(db, campaign_id), 180, "the campaign to finish", logs)

    received = Counter(m["to"] for m in simulator.received())
    assert set(received) == numbers
    assert [phone for phone, n in received.items() if n > 1] == []
    assert set(states(db, campaign_id).values()) <= {MSG_SENT, MSG_DELIVERED}
    # Each run sent part of the campaign, and their sending overlapped in time.
    spans = {owner: (first, last) for owner, first, last in db.execute(
        select(Message.claimed_by, func.min(Message.sent_at), func.max(Message.sent_at))
        .where(Message.campaign_id == campaign_id).group_by(Message.claimed_by)).all()}
    assert len(spans) >= 2, f"one run sent the whole campaign: {spans}"
    assert max(first for first, _ in spans.values()) < min(last for _, last in spans.values()), spans
    assert simulator.stats["binds"] >= 2

    def results() -> list[str]:
        return [line.get("result") for log in logs for line in outcomes(log) if line.get("campaign_id") == campaign_id]

    wait_for(lambda: len(results()) == 3, 30, "the three jobs' outcome lines", logs)
    assert sorted(results()).count("finished") == 1, results()
    db.expire_all()
    captures = db.scalar(select(func.count()).where(CreditMovement.campaign_id == campaign_id,
                                                    CreditMovement.kind == credit.CAPTURE))
    campaign = db.get(Campaign, campaign_id)
    assert captures == 1
    assert credit.campaign_totals(db, campaign_id)[credit.CAPTURE] == BIG * campaign.parts_per_message
