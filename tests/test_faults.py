"""Redis going away: when Envoyer is pressed, and in the middle of a campaign.

Tutti runs as in production: the app under test (its own redis-server, which the test kills and starts
again empty), `python worker.py` in a process of its own, and the SMPP simulator. Whatever Redis does,
the campaign is kept in SQL, each number gets one SMS, the campaign finishes once and the credit
captured is what the SMSC accepted.
"""

from __future__ import annotations

import os
import time

import pytest
from faults_helpers import (
    WorkerProcess,
    assert_sent_exactly_once,
    campaign_row,
    settled,
)
from sms_helpers import HX, body, build_world, login, recap, recap_token, root_id, select_people, send, sms_config, text
from test_smpp_flow import add_people, new_simulator, newest_campaign, received_by, smpp_url

from tutti.models import CAMPAIGN_DONE, CAMPAIGN_QUEUED, CAMPAIGN_SENDING
from tutti.sms import credit

TEXT = "Répétition générale samedi à 14h, salle Molière."


@pytest.fixture
def sim():
    simulator = new_simulator(receipt_delay=0.2)
    yield simulator
    simulator.stop()


@pytest.fixture
def app_config(app_config, own_redis, sim):
    app_config["REDIS_URL"] = own_redis.url
    app_config["TUTTI_SMS_TRANSPORT"] = smpp_url(sim.port, "throughput=40&window=10")
    return sms_config(app_config)


@pytest.fixture
def worker(app, tmp_path):
    process = WorkerProcess(app, tmp_path, TUTTI_BATCH_SIZE="20")
    yield process
    process.stop()


def _recap_token(client, message: str) -> str:
    shown = recap(client, message)
    assert root_id(body(shown)) == "recap", text(body(shown))
    return recap_token(body(shown))


def test_redis_down_at_envoyer_keeps_campaign_tells_user_and_sends_when_back(app, db, client, own_redis, sim,
                                                                             worker):
    world = build_world(db)
    ids, phones = add_people(db, world.structure_id, 30)
    select_people(db, world, world.ids() + ids)
    login(client, "ecrivain")
    token = _recap_token(client, TEXT)
    before = credit.balance(db, world.structure_id)
    own_redis.stop()

    answer = send(client, TEXT, token)

    assert answer.status_code == 200
    page = body(answer)
    assert root_id(page) == "progress"
    assert "Votre envoi est enregistré et son crédit réservé, mais le service d'envoi est momentanément " \
           "indisponible. Il partira automatiquement dès son retour" in text(page)
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.status == CAMPAIGN_QUEUED and campaign.enqueued_at is None
    assert credit.balance(db, world.structure_id) == before - campaign.cost
    # The worker, started while Redis is still away, waits for it instead of dying.
    worker.start()
    time.sleep(3)
    assert worker.alive(), worker.log()
    assert campaign_row(db, campaign.id).status == CAMPAIGN_QUEUED

    own_redis.start()

    worker.wait(lambda: campaign_row(db, campaign.id).status == CAMPAIGN_DONE, 60,
                "the sweeper to hand the campaign to the queue and the worker to send it")
    assert settled(db, campaign.id) == campaign.recipients
    assert_sent_exactly_once(db, campaign.id, received_by(sim), set(phones) | {"+33612345601", "+33755443322"})
    assert "re-enqueued stranded campaigns" in worker.log()


def test_redis_restarted_empty_before_a_worker_took_the_job_campaign_recovered_once_and_sent(
        app, db, client, own_redis, sim, worker):
    world = build_world(db)
    ids, phones = add_people(db, world.structure_id, 30)
    select_people(db, world, world.ids() + ids)
    login(client, "ecrivain")
    send(client, TEXT, _recap_token(client, TEXT))
    campaign = newest_campaign(db, world.structure_id)
    assert campaign.status == CAMPAIGN_QUEUED and campaign.enqueued_at is not None
    own_redis.stop()
    own_redis.start()  # empty: the campaign's job is gone before any worker took it

    worker.start()
    worker.wait(lambda: campaign_row(db, campaign.id).status == CAMPAIGN_DONE, 60,
                "the sweeper to give the campaign its job again and the worker to send it")
    time.sleep(3)  # more sweeps: none enqueues it again
    assert_sent_exactly_once(db, campaign.id, received_by(sim), set(phones) | {"+33612345601", "+33755443322"})
    assert settled(db, campaign.id) == campaign.recipients
    assert worker.log().count("enqueued but no job of it waits or runs in RQ; enqueued again") == 1


@pytest.mark.parametrize("outage", ["back before the end", "away until the end"])
def test_redis_restarted_empty_mid_campaign_each_number_once_finished_once(app, db, client, own_redis, sim,
                                                                           worker, outage):
    world = build_world(db, sms=1000)
    ids, phones = add_people(db, world.structure_id, 200)
    select_people(db, world, ids)
    login(client, "ecrivain")
    send(client, TEXT, _recap_token(client, TEXT))
    campaign = newest_campaign(db, world.structure_id)
    worker.start()
    worker.wait(lambda: settled(db, campaign.id) >= 40, 60, "the worker to send its first batches")

    own_redis.stop()
    if outage == "back before the end":
        time.sleep(2)
        assert campaign_row(db, campaign.id).status != CAMPAIGN_DONE
    else:
        worker.wait(lambda: campaign_row(db, campaign.id).status == CAMPAIGN_DONE, 90,
                    "the campaign to finish while Redis is away")
    own_redis.start()  # empty: the queue, the job and the worker's registration are gone

    worker.wait(lambda: campaign_row(db, campaign.id).status == CAMPAIGN_DONE, 90, "the campaign to finish")
    assert_sent_exactly_once(db, campaign.id, received_by(sim), set(phones))
    # The worker outlived the outage: it takes the next campaign (another account's, to two numbers).
    select_people(db, world, world.ids(), login="ecrivain2")
    other = app.test_client()
    login(other, "ecrivain2")
    send(other, TEXT, _recap_token(other, TEXT))
    second = newest_campaign(db, world.structure_id)
    assert second.id != campaign.id
    worker.wait(lambda: campaign_row(db, second.id).status == CAMPAIGN_DONE, 90,
                "the worker to send the next campaign")


# The SMSC away: CI runs a short outage; the full minute is TUTTI_FAULTS_SMSC_OUTAGE=60.
SMSC_OUTAGE = float(os.environ.get("TUTTI_FAULTS_SMSC_OUTAGE", "15"))
AWAY_NOTICE = "L'opérateur SMS ne répond pas depuis le"


def test_smsc_unreachable_campaign_waits_says_so_and_finishes_without_duplicate(app, db, client, sim, worker):
    world = build_world(db, sms=1000)
    ids, phones = add_people(db, world.structure_id, 150)
    select_people(db, world, ids)
    login(client, "ecrivain")
    send(client, TEXT, _recap_token(client, TEXT))
    campaign = newest_campaign(db, world.structure_id)
    worker.start()
    worker.wait(lambda: settled(db, campaign.id) >= 30, 60, "the worker to send its first batches")

    sim.stop()  # connection refused from now on
    stopped = time.monotonic()
    worker.wait(lambda: campaign_row(db, campaign.id).provider_away_since is not None, 30,
                "the job to notice the SMSC is away")
    during = settled(db, campaign.id)
    assert campaign_row(db, campaign.id).status == CAMPAIGN_SENDING
    progress = text(body(client.get(f"/sms/campaigns/{campaign.id}/progress", headers=HX)))
    assert AWAY_NOTICE in progress and "reprendra automatiquement dès son retour" in progress
    assert "Envoi en cours" in progress
    assert AWAY_NOTICE in text(body(client.get(f"/sms/campaigns/{campaign.id}")))
    time.sleep(max(0.0, SMSC_OUTAGE - (time.monotonic() - stopped)))
    assert settled(db, campaign.id) == during  # nothing moved while the SMSC was away
    back = new_simulator(port=sim.port, receipt_delay=0.2)
    try:
        worker.wait(lambda: campaign_row(db, campaign.id).status == CAMPAIGN_DONE, 120,
                    "the campaign to finish once the SMSC is back")
        received = received_by(sim) + received_by(back)
        assert_sent_exactly_once(db, campaign.id, received, set(phones))
        assert sum(received_by(back).values()) > 0
        finished = text(body(client.get(f"/sms/campaigns/{campaign.id}/progress", headers=HX)))
        assert "Envoi terminé" in finished and AWAY_NOTICE not in finished
        assert campaign_row(db, campaign.id).provider_away_since is None
    finally:
        back.stop()
    assert worker.alive(), worker.log()
