"""`python worker.py` as it runs in production: a separate process sends over SMPP and keeps the receiver bind.

The app under test records the campaign (recap and Envoyer); the worker process, configured only through its
environment (DATABASE_URL, REDIS_URL, TUTTI_QUEUE_NAME, TUTTI_SMS_TRANSPORT), takes the job, sends to the
simulator, and its receiver thread turns the statuses to « reçu » and files a STOP reply. SIGTERM stops it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sms_helpers import build_world, login, select_people, sms_config
from sqlalchemy import select
from test_smpp_flow import (
    ALICE,
    GASTON,
    GSM_TEXT,
    new_simulator,
    newest_campaign,
    received_by,
    send_through_app,
    smpp_url,
    states,
    status_column,
    wait_for,
)

from tutti.directory.phones import display
from tutti.models import CAMPAIGN_DONE, MSG_DELIVERED, OptOut
from tutti.sms import credit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sim():
    simulator = new_simulator(receipt_delay=0.2)
    yield simulator
    simulator.stop()


@pytest.fixture
def app_config(app_config, sim):
    app_config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port)
    return sms_config(app_config)


def test_worker_process_sends_applies_receipts_and_stops_on_sigterm(app, db, client, sim, tmp_path):
    world = build_world(db)
    select_people(db, world, world.ids())
    login(client, "ecrivain")
    send_through_app(client, GSM_TEXT)
    campaign = newest_campaign(db, world.structure_id)

    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
               TUTTI_QUEUE_NAME=app.config["TUTTI_QUEUE_NAME"], TUTTI_SMS_TRANSPORT=app.config["TUTTI_SMS_TRANSPORT"],
               TUTTI_INSTANCE_PATH=str(tmp_path / "instance"), SECRET_KEY="worker-test", PYTHONUNBUFFERED="1")
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        def finished():
            return newest_campaign(db, world.structure_id).status == CAMPAIGN_DONE or worker.poll() is not None

        wait_for(finished, timeout=30, what="the worker process to finish the campaign")
        assert worker.poll() is None, log_path.read_text()
        assert received_by(sim) == {ALICE: 1, GASTON: 1}
        wait_for(lambda: set(states(db, campaign.id).values()) == {MSG_DELIVERED}, timeout=15,
                 what="receipts through the worker's receiver")
        assert status_column(client, campaign.id) == {display(ALICE): "reçu", display(GASTON): "reçu"}
        db.commit()
        assert credit.campaign_totals(db, campaign.id)[credit.CAPTURE] == 2

        sim.inject_mo(GASTON, "STOP")
        wait_for(lambda: db.commit() or db.scalar(select(OptOut.id).where(
            OptOut.structure_id == world.structure_id, OptOut.phone == GASTON)), timeout=15,
            what="the STOP reply to reach the opt-out list")
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        try:
            code = worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
            raise AssertionError("worker.py did not stop on SIGTERM:\n" + log_path.read_text()) from None
    assert code == 0, log_path.read_text()
    assert "send_campaign" in log_path.read_text()
