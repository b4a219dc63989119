"""The sweeper finds a queued campaign whose job RQ lost, and gives it its job again, once.

A Redis of the test's own is restarted empty (as the embedded Redis of `make run` is after a crash): the
campaign recorded by Envoyer, its credit reserved and its job enqueued, must not stay « en attente » for
ever. The sweeper runs as `python worker.py` runs it (`worker.sweep_once`), the job by a real RQ worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from faults_helpers import ROOT, wait_for
from rq import Queue
from rq.job import Job
from sms_helpers import (
    add_person,
    body,
    build_world,
    login,
    only_campaign,
    recap_then_send,
    root_id,
    run_worker,
    select_people,
    sms_config,
)
from sqlalchemy import select, update

import worker as W
from tutti.models import CAMPAIGN_DONE, CAMPAIGN_QUEUED, Campaign, CreditMovement, Message, OutboxEntry, utcnow
from tutti.sms import credit
from tutti.sms.queue import campaign_job_ids, enqueue_campaign, holds, job_id

MESSAGE = "Répétition déplacée à jeudi 19h."


@pytest.fixture
def app_config(app_config, own_redis):
    app_config["REDIS_URL"] = own_redis.url
    return sms_config(app_config)


@pytest.fixture
def world(db):
    return build_world(db)


@pytest.fixture
def campaign(client, db, world):
    """A campaign recorded by Envoyer, its job in the queue; 12 distinct numbers."""
    ids = [add_person(db, world.structure_id, f"Alto{i}", "Garnier", f"06 30 00 00 {i:02d}") for i in range(10)]
    select_people(db, world, world.ids() + ids)
    login(client, "ecrivain")
    _, answer = recap_then_send(client, MESSAGE)
    assert root_id(body(answer)) == "progress"
    made = only_campaign(db, world.structure_id)
    assert made.status == CAMPAIGN_QUEUED and made.enqueued_at is not None
    return made


def enqueued_a_minute_ago(db, campaign_id: int) -> None:
    """Age the campaign past the sweeper's grace period, as if a minute had gone by since Envoyer."""
    db.execute(update(Campaign).where(Campaign.id == campaign_id)
               .values(enqueued_at=utcnow() - timedelta(seconds=60)))
    db.commit()


def jobs_of(app, campaign_id: int) -> list[str]:
    queue = app.extensions["tutti"]["queue"]
    return [name for name in queue.get_job_ids() if name in campaign_job_ids(queue, campaign_id)]


def assert_sent_once_and_charged_once(db, campaign: Campaign) -> None:
    db.commit()
    done = db.get(Campaign, campaign.id, populate_existing=True)
    assert done.status == CAMPAIGN_DONE
    phones = Counter(db.scalars(select(OutboxEntry.phone).join(Message, Message.id == OutboxEntry.message_id)
                                .where(Message.campaign_id == campaign.id)))
    assert len(phones) == campaign.recipients and set(phones.values()) == {1}
    kinds = Counter(db.scalars(select(CreditMovement.kind).where(CreditMovement.campaign_id == campaign.id)))
    assert kinds[credit.RESERVATION] == 1 and kinds[credit.CAPTURE] == 1
    assert credit.campaign_totals(db, campaign.id)[credit.CAPTURE] == campaign.cost


def test_sweeper_campaign_enqueued_then_redis_restarted_empty_is_recovered_once_and_sent(app, db, campaign,
                                                                                          own_redis):
    own_redis.stop()
    own_redis.start()  # empty: the queue and the campaign's job are gone
    assert jobs_of(app, campaign.id) == []
    sessions = W.side_sessions(app)

    # Within the grace period the job may still be on its way: the sweeper leaves the campaign.
    assert W.sweep_once(app, sessions) == []
    enqueued_a_minute_ago(db, campaign.id)

    assert W.sweep_once(app, sessions) == [campaign.id]
    assert jobs_of(app, campaign.id) == [job_id(campaign.id, app.extensions["tutti"]["queue"])]
    # The next sweep finds the job waiting, and would find it fresh anyway.
    assert W.sweep_once(app, sessions) == []
    enqueued_a_minute_ago(db, campaign.id)
    assert W.sweep_once(app, sessions) == []
    assert len(jobs_of(app, campaign.id)) == 1

    run_worker(app)
    assert_sent_once_and_charged_once(db, campaign)
    assert W.sweep_once(app, sessions) == []


def test_sweeper_two_sweepers_at_once_enqueue_the_lost_job_once(app, db, campaign, own_redis):
    own_redis.stop()
    own_redis.start()
    enqueued_a_minute_ago(db, campaign.id)
    start = threading.Barrier(2)
    handed: list[list[int]] = []

    def sweeper() -> None:
        sessions = W.side_sessions(app)
        start.wait()
        handed.append(W.sweep_once(app, sessions))

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(handed) == [[], [campaign.id]]
    assert len(jobs_of(app, campaign.id)) == 1
    run_worker(app)
    assert_sent_once_and_charged_once(db, campaign)


def test_sweeper_leaves_a_queued_campaign_whose_job_waits_in_the_queue(app, db, campaign):
    # Workers busy with a long campaign: this one's job waits its turn, however long.
    enqueued_a_minute_ago(db, campaign.id)
    before = db.get(Campaign, campaign.id, populate_existing=True).enqueued_at
    assert W.sweep_once(app, W.side_sessions(app)) == []
    assert len(jobs_of(app, campaign.id)) == 1
    db.commit()
    assert db.get(Campaign, campaign.id, populate_existing=True).enqueued_at == before


def test_sweeper_gives_a_failed_job_its_campaign_back(app, db, campaign):
    # The job failed before it took the campaign (its database away, say): RQ keeps it as failed, not waiting.
    queue = app.extensions["tutti"]["queue"]
    job = Job.fetch(job_id(campaign.id, queue), connection=queue.connection)
    queue.remove(job)
    job.set_status("failed")
    queue.failed_job_registry.add(job, ttl=3600)
    enqueued_a_minute_ago(db, campaign.id)

    assert W.sweep_once(app, W.side_sessions(app)) == [campaign.id]
    assert jobs_of(app, campaign.id) == [job.id]
    run_worker(app)
    assert_sent_once_and_charged_once(db, campaign)


def test_rq_holds_a_job_scheduled_deferred_queued_or_running(app, own_redis, tmp_path):
    connection = app.extensions["tutti"]["redis"]
    queue = Queue("holds-" + os.urandom(4).hex(), connection=connection)
    assert not holds(queue, ["nothing-here"])
    scheduled = queue.enqueue_in(timedelta(hours=1), time.sleep, 0, job_id="later")
    assert holds(queue, [scheduled.id])
    blocker = queue.enqueue(time.sleep, 30, job_id="blocker")
    deferred = queue.enqueue(time.sleep, 0, job_id="after", depends_on=blocker)
    assert holds(queue, [deferred.id]) and holds(queue, [blocker.id])
    queue.remove(deferred)

    # A real worker process takes the blocker: it is running, then no longer once it finished.
    log = open(tmp_path / "rq.log", "wb")
    code = ("import sys, redis, rq; q = rq.Queue(sys.argv[2], connection=redis.Redis.from_url(sys.argv[1])); "
            "rq.SimpleWorker([q], connection=q.connection).work(burst=True)")
    process = subprocess.Popen([sys.executable, "-c", code, own_redis.url, queue.name], cwd=ROOT, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: blocker.get_status(refresh=True) == "started", 20, "the worker to start the job")
        assert queue.get_job_ids() == [] and holds(queue, [blocker.id])
        assert not holds(queue, ["another"])
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def test_job_ids_name_the_queue_so_databases_sharing_a_redis_never_collide(app, db):
    # Two Tutti databases (their campaign ids both start at 1) whose queues share one Redis database.
    connection = app.extensions["tutti"]["redis"]
    first, second = Queue("tutti-school", connection=connection), Queue("tutti-choir", connection=connection)
    with app.app_context():
        assert enqueue_campaign(db, first, 1) and enqueue_campaign(db, second, 1)
    assert job_id(1, first) != job_id(1, second)
    assert first.get_job_ids() == [job_id(1, first)] and second.get_job_ids() == [job_id(1, second)]
    assert Job.fetch(job_id(1, first), connection=connection).origin == "tutti-school"
    assert Job.fetch(job_id(1, second), connection=connection).origin == "tutti-choir"
    first.empty()
    assert not holds(first, campaign_job_ids(first, 1)) and holds(second, campaign_job_ids(second, 1))
