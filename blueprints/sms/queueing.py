"""Hand a recorded campaign to the queue; a campaign the queue could not take is kept and retried."""

from __future__ import annotations

import logging
import os
import re
import uuid
from datetime import datetime

from flask import current_app, has_app_context
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy.orm import Session

from tutti.sms.campaigns import mark_enqueued

log = logging.getLogger(__name__)
JOB = "tutti.sending.send_campaign"
JOB_TIMEOUT = 6 * 3600
KEEP = 7 * 86400


def job_id(campaign_id: int, queue: Queue | str) -> str:
    """Return the campaign's job id on this queue: one job per campaign.

    RQ keeps a job by its id alone in a Redis database, and campaign ids are per SQL database: two
    databases whose queues share one Redis (tests, staging beside production) would otherwise
    overwrite each other's jobs. The queue's name is in the id.
    """
    name = queue if isinstance(queue, str) else queue.name
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', name)}-campaign-{campaign_id}"


def campaign_job_ids(queue: Queue, campaign_id: int) -> list[str]:
    """Return the ids of the jobs Envoyer gives the campaign (its shares included)."""
    return share_ids(job_id(campaign_id, queue), jobs_per_campaign())


def jobs_per_campaign() -> int:
    """Return how many jobs share one campaign (TUTTI_JOBS_PER_CAMPAIGN, 1 by default): each opens its own bind."""
    value = current_app.config.get("TUTTI_JOBS_PER_CAMPAIGN") if has_app_context() else None
    try:
        return max(1, int(value or os.environ.get("TUTTI_JOBS_PER_CAMPAIGN") or 1))
    except ValueError:
        return 1


def share_ids(name: str, shares: int) -> list[str]:
    """Return the job ids of a campaign's shares: the first keeps the plain id."""
    return [name] + [f"{name}-share-{n}" for n in range(2, shares + 1)]


def enqueue_campaign(db: Session, queue: Queue, campaign_id: int, at: datetime | None = None,
                     retry: bool = False) -> bool:
    """Enqueue the campaign's jobs (at a given time, when scheduled); False when Redis is unreachable.

    A retry gets a job id of its own, so that it never overwrites the record of an earlier run.
    """
    name = job_id(campaign_id, queue)
    if retry:
        name = f"{name}-retry-{uuid.uuid4().hex[:8]}"
    try:
        for share in share_ids(name, jobs_per_campaign()):
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


def unschedule(queue: Queue, campaign_id: int) -> None:
    """Take a cancelled campaign's job off the schedule (if it runs anyway, the campaign's state stops it)."""
    try:
        for share in campaign_job_ids(queue, campaign_id):
            queue.scheduled_job_registry.remove(share, delete_job=True)
    except RedisError:
        log.warning("could not unschedule campaign %s; its job will find it cancelled", campaign_id)
