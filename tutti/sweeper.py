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


def stranded_campaigns(db: Session) -> list[int]:
    """Return the ids of campaigns no job will pick up on its own."""
    now = utcnow()
    never_enqueued = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_QUEUED, Campaign.enqueued_at.is_(None), Campaign.created_at < now - GRACE)
    abandoned = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_SENDING, Campaign.lease_until < now)
    # A scheduled campaign well past its time was lost with a Redis that restarted empty.
    overdue = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_SCHEDULED, Campaign.scheduled_for < now - GRACE * 4)
    return sorted(set(db.scalars(never_enqueued)) | set(db.scalars(abandoned)) | set(db.scalars(overdue)))


def sweep(db: Session, enqueue: Callable[[int], bool], is_pending: Callable[[int], bool]) -> list[int]:
    """Enqueue every stranded campaign whose job is not already waiting; return those enqueued."""
    handed = []
    for campaign_id in stranded_campaigns(db):
        if is_pending(campaign_id):
            continue
        if enqueue(campaign_id):
            handed.append(campaign_id)
    if handed:
        log.warning("re-enqueued stranded campaigns: %s", handed)
    return handed
