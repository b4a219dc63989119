"""Hand a recorded campaign to the queue; a campaign the queue could not take is kept and retried."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy.orm import Session

from tutti.campaigns import mark_enqueued

log = logging.getLogger(__name__)
JOB_TIMEOUT = 6 * 3600


def job_id(campaign_id: int) -> str:
    """Return the campaign's job id: one job per campaign."""
    return f"campaign-{campaign_id}"


def enqueue_campaign(db: Session, queue: Queue, campaign_id: int) -> bool:
    """Enqueue the campaign's job; False when Redis is unreachable (the campaign stays recorded)."""
    try:
        queue.enqueue_call("tutti.sending.send_campaign", args=(campaign_id,), job_id=job_id(campaign_id),
                           timeout=JOB_TIMEOUT, result_ttl=7 * 86400, failure_ttl=7 * 86400)
    except RedisError:
        log.exception("campaign %s recorded but not enqueued", campaign_id)
        return False
    mark_enqueued(db, campaign_id)
    return True
