"""The database briefly locked: Envoyer waits and succeeds (or says so and writes nothing); the job survives.

On SQLite another connection holds the write lock (`BEGIN EXCLUSIVE`); on PostgreSQL (TEST_DATABASE_URL) it
holds `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` on the table the step writes. The worker is `python worker.py`
sending over SMPP to the simulator, as in production.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from faults_helpers import WorkerProcess, assert_sent_exactly_once, campaign_row, settled
from sms_helpers import (
    body,
    build_world,
    login,
    recap,
    recap_token,
    root_id,
    select_people,
    send,
    sms_config,
    snapshot,
    text,
)
from sqlalchemy.engine import make_url
from test_smpp_flow import add_people, new_simulator, received_by, smpp_url

from tutti.db import engine_options
from tutti.models import CAMPAIGN_DONE, Campaign
from tutti.sms import credit

TEXT = "Concert de printemps : rendez-vous à 19h devant la salle."
LOCKED_FOR = 3.0


@pytest.fixture
def sim():
    simulator = new_simulator(receipt_delay=0.2)
    yield simulator
    simulator.stop()


@pytest.fixture
def app_config(app_config, sim):
    app_config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port, "throughput=40&window=10")
    return sms_config(app_config)


@pytest.fixture
def db_lock_wait_short(app_config):
    """Let the app's statements wait one second only for a lock (instead of fifteen)."""
    app_config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app_config["SQLALCHEMY_DATABASE_URI"], lock_wait=1.0)
    return app_config


@contextmanager
def locked(url: str, table: str, seconds: float) -> Iterator[threading.Thread]:
    """Hold the database's write lock (SQLite) or an exclusive lock on `table` (PostgreSQL) for `seconds`."""
    taken = threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite":
                connection = sqlite3.connect(parsed.database, isolation_level=None)
                connection.execute("BEGIN EXCLUSIVE")
            else:
                connection = psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False))
                connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            taken.set()
            time.sleep(seconds)
            connection.rollback()
            connection.close()
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            failure.append(error)
            taken.set()

    holder = threading.Thread(target=hold, name="lock-holder")
    holder.start()
    assert taken.wait(10), "the lock was not taken: does the test itself keep a transaction open?"
    assert not failure, failure
    try:
        yield holder
    finally:
        holder.join(seconds + 10)


def _recap_token(client, message: str) -> str:
    shown = recap(client, message)
    assert root_id(body(shown)) == "recap", text(body(shown))
    return recap_token(body(shown))


def _campaigns(db, structure_id: int) -> list[Campaign]:
    db.commit()
    return list(db.query(Campaign).filter(Campaign.structure_id == structure_id).populate_existing())


def test_envoyer_during_a_brief_lock_waits_and_records_once(app, db, client):
    world = build_world(db)
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    token = _recap_token(client, TEXT)
    before = credit.balance(db, world.structure_id)
    db.commit()

    with locked(app.config["SQLALCHEMY_DATABASE_URI"], "campaigns", LOCKED_FOR):
        started = time.monotonic()
        answer = send(client, TEXT, token)
        waited = time.monotonic() - started

    assert answer.status_code == 200
    assert root_id(body(answer)) == "progress", text(body(answer))
    assert waited >= LOCKED_FOR * 0.5  # it did wait for the lock
    [campaign] = _campaigns(db, world.structure_id)
    assert credit.balance(db, world.structure_id) == before - campaign.cost
    assert credit.balance(db, world.structure_id) == credit.ledger_balance(db, world.structure_id)


def test_job_survives_a_brief_lock_mid_campaign_and_finishes_once(app, db, client, sim, tmp_path):
    world = build_world(db, sms=1000)
    ids, phones = add_people(db, world.structure_id, 150)
    select_people(db, world, ids)
    login(client, "ecrivain")
    send(client, TEXT, _recap_token(client, TEXT))
    [campaign] = _campaigns(db, world.structure_id)
    worker = WorkerProcess(app, tmp_path, TUTTI_BATCH_SIZE="20").start()
    try:
        worker.wait(lambda: settled(db, campaign.id) >= 30, 60, "the worker to send its first batches")
        db.commit()  # no read transaction of the test's own stays open across the lock
        with locked(app.config["SQLALCHEMY_DATABASE_URI"], "messages", LOCKED_FOR):
            time.sleep(LOCKED_FOR)
        worker.wait(lambda: campaign_row(db, campaign.id).status == CAMPAIGN_DONE, 90, "the campaign to finish")
        assert_sent_exactly_once(db, campaign.id, received_by(sim), set(phones))
        assert "Traceback" not in worker.log(), worker.log()
    finally:
        worker.stop()


def test_envoyer_during_a_lock_longer_than_it_may_wait_says_so_and_writes_nothing(app_config, db_lock_wait_short,
                                                                                   app, db, client):
    world = build_world(db)
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    token = _recap_token(client, TEXT)
    before = snapshot(db, world.structure_id)
    db.commit()  # no read transaction of the test's own stays open: LOCK TABLE would wait for it

    with locked(app.config["SQLALCHEMY_DATABASE_URI"], "campaigns", LOCKED_FOR):
        answer = send(client, TEXT, token)

    assert answer.status_code == 200
    page = body(answer)
    assert root_id(page) == "recap"
    assert "La base de données est momentanément occupée : rien n'a été envoyé ni débité." in text(page)
    assert snapshot(db, world.structure_id) == before
    # Once the lock is gone, Envoyer on the recap shown works.
    again = send(client, TEXT, recap_token(page))
    assert root_id(body(again)) == "progress", text(body(again))
    assert snapshot(db, world.structure_id).campaigns == 1
