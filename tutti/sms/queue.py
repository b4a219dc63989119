"""The RQ queue a campaign's jobs go through: enqueue a recorded campaign, unschedule it, ask what RQ still holds.

A campaign the queue could not take (Redis away) stays recorded, and the sweeper hands it to the queue later.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import redis
from redis.exceptions import RedisError
from rq import Queue
from rq.utils import parse_composite_key
from sqlalchemy.orm import Session

from tutti.sms.campaigns import mark_enqueued

log = logging.getLogger(__name__)
# The job, by the dotted name RQ imports it by; written here only.
JOB = "tutti.sms.sending.send_campaign"
JOB_TIMEOUT = 6 * 3600
KEEP = 7 * 86400


def make_queue(connection: redis.Redis, name: str = "tutti") -> Queue:
    """Return the queue the web app enqueues on and the workers listen to."""
    return Queue(name, connection=connection)


def job_id(campaign_id: int, queue: Queue | str) -> str:
    """Return the campaign's job id on this queue: one job per campaign.

    RQ keeps a job by its id alone in a Redis database, and campaign ids are per SQL database: two
    databases whose queues share one Redis (tests, staging beside production) would otherwise
    overwrite each other's jobs. The queue's name is in the id.
    """
    name = queue if isinstance(queue, str) else queue.name
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', name)}-campaign-{campaign_id}"


def jobs_per_campaign(config: Mapping[str, Any] | None = None) -> int:
    """Return how many jobs share one campaign: each opens its own bind.

    TUTTI_JOBS_PER_CAMPAIGN from the app's settings when given, else from the environment; 1 by default.
    """
    value = (config or {}).get("TUTTI_JOBS_PER_CAMPAIGN")
    try:
        return max(1, int(value or os.environ.get("TUTTI_JOBS_PER_CAMPAIGN") or 1))
    except ValueError:
        return 1


def share_ids(name: str, shares: int) -> list[str]:
    """Return the job ids of a campaign's shares: the first keeps the plain id."""
    return [name] + [f"{name}-share-{n}" for n in range(2, shares + 1)]


def campaign_job_ids(queue: Queue, campaign_id: int, shares: int | None = None) -> list[str]:
    """Return the ids of the jobs Envoyer gives the campaign, its `shares` included (None: jobs_per_campaign())."""
    return share_ids(job_id(campaign_id, queue), shares or jobs_per_campaign())


def enqueue_campaign(db: Session, queue: Queue, campaign_id: int, at: datetime | None = None,
                     retry: bool = False, shares: int | None = None) -> bool:
    """Enqueue the campaign's `shares` jobs (at a given time, when scheduled); False when Redis is unreachable.

    A retry gets a job id of its own, so that it never overwrites the record of an earlier run.
    """
    name = job_id(campaign_id, queue)
    if retry:
        name = f"{name}-retry-{uuid.uuid4().hex[:8]}"
    try:
        for share in share_ids(name, shares or jobs_per_campaign()):
            options = {"job_id": share, "job_timeout": JOB_TIMEOUT, "result_ttl": KEEP, "failure_ttl": KEEP}
            if at is None:
                queue.enqueue(JOB, campaign_id, **options)
            else:
                queue.enqueue_at(at, JOB, campaign_id, **options)
    except RedisError:
        log.exception("campaign %s recorded but not enqueued", campaign_id)
        return False
    mark_enqueued(db, campaign_id)
    return True


def unschedule(queue: Queue, campaign_id: int, shares: int | None = None) -> None:
    """Take a cancelled campaign's jobs off the schedule (if one runs anyway, the campaign's state stops it)."""
    try:
        for share in campaign_job_ids(queue, campaign_id, shares):
            queue.scheduled_job_registry.remove(share, delete_job=True)
    except RedisError:
        log.warning("could not unschedule campaign %s; its job will find it cancelled", campaign_id)


def holds(queue: Queue, job_ids: list[str]) -> bool:
    """Say whether RQ has one of these jobs waiting or running on the queue.

    Waiting: scheduled, deferred, in the queue, or just taken by a worker (RQ's intermediate list);
    running: in the started registry with a live heartbeat (a dead worker's entry expires within about
    90 s). The places are read in the order a job moves through them, so that a job moving on while they
    are read is still seen in the next one.
    """
    connection = queue.connection
    for key in (queue.scheduled_job_registry.key, queue.deferred_job_registry.key):
        if any(connection.zscore(key, name) is not None for name in job_ids):
            return True
    for key in (queue.key, queue.intermediate_queue_key):
        if any(connection.lpos(key, name) is not None for name in job_ids):
            return True
    running = connection.zrangebyscore(queue.started_job_registry.key, time.time(), "+inf")
    started = {parse_composite_key(entry.decode() if isinstance(entry, bytes) else entry)[0] for entry in running}
    return bool(started & set(job_ids))
