"""Find campaigns the queue lost and hand them back: recorded but never enqueued, or left by a dead worker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutti.models import utcnow
from tutti.sms_models import CAMPAIGN_QUEUED, CAMPAIGN_SCHEDULED, CAMPAIGN_SENDING, Campaign

log = logging.getLogger(__name__)
# A campaign younger than this may still be on its way into the queue.
GRACE = timedelta(seconds=30)


def stranded_campaigns(db: Session, grace: timedelta = GRACE) -> tuple[list[int], list[int]]:
    """Return the campaigns no job will pick up on its own: (never enqueued, abandoned or overdue)."""
    now = utcnow()
    never_enqueued = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_QUEUED, Campaign.enqueued_at.is_(None), Campaign.created_at < now - grace)
    abandoned = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_SENDING, Campaign.lease_until < now)
    # A scheduled campaign well past its time was lost with a Redis that restarted empty.
    overdue = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_SCHEDULED, Campaign.scheduled_for < now - grace * 4)
    lost = set(db.scalars(abandoned)) | set(db.scalars(overdue))
    return sorted(db.scalars(never_enqueued)), sorted(lost)


def sweep(db: Session, enqueue: Callable[[int, bool], bool], is_pending: Callable[[int], bool],
          grace: timedelta = GRACE) -> list[int]:
    """Enqueue every stranded campaign; return those enqueued.

    A never-enqueued campaign is skipped while its job waits in the queue. An abandoned one gets a
    new job (enqueue(id, True)) even if RQ still counts the dead worker's job as started: the
    campaign's expired lease is the proof no live run works on it (every run renews it each batch), and
    the new run settles the messages whose claims expired with it.
    """
    handed = []
    never_enqueued, lost = stranded_campaigns(db, grace)
    for campaign_id in never_enqueued:
        if not is_pending(campaign_id) and enqueue(campaign_id, False):
            handed.append(campaign_id)
    for campaign_id in lost:
        if enqueue(campaign_id, True):
            handed.append(campaign_id)
    if handed:
        log.warning("re-enqueued stranded campaigns: %s", handed)
    return handed
