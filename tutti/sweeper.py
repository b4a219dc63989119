"""Find campaigns the queue lost and hand them back: recorded but never enqueued, enqueued but whose job
RQ no longer holds, or left by a dead worker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti.models import CAMPAIGN_QUEUED, CAMPAIGN_SCHEDULED, CAMPAIGN_SENDING, Campaign, utcnow

log = logging.getLogger(__name__)
# A campaign younger than this may still be on its way into the queue.
GRACE = timedelta(seconds=30)


@dataclass
class Stranded:
    """The campaigns no job may pick up on their own, by why."""

    never_enqueued: list[int] = field(default_factory=list)
    # Queued and enqueued a while ago: stranded if RQ holds no job of theirs (a Redis restarted empty).
    enqueued: list[int] = field(default_factory=list)
    # Sending with an expired lease, or scheduled and well overdue.
    lost: list[int] = field(default_factory=list)


def stranded_campaigns(db: Session, grace: timedelta = GRACE) -> Stranded:
    """Return the campaigns that may be stranded, by the SQL alone."""
    now = utcnow()
    never_enqueued = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_QUEUED, Campaign.enqueued_at.is_(None), Campaign.created_at < now - grace)
    enqueued = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_QUEUED, Campaign.enqueued_at < now - grace)
    abandoned = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_SENDING, Campaign.lease_until < now)
    # A scheduled campaign well past its time was lost with a Redis that restarted empty.
    overdue = select(Campaign.id).where(
        Campaign.status == CAMPAIGN_SCHEDULED, Campaign.scheduled_for < now - grace * 4)
    lost = set(db.scalars(abandoned)) | set(db.scalars(overdue))
    return Stranded(sorted(db.scalars(never_enqueued)), sorted(db.scalars(enqueued)), sorted(lost))


def take_over_enqueued(db: Session, campaign_id: int, grace: timedelta = GRACE) -> bool:
    """Claim the right to enqueue a queued campaign again; True for one sweeper only.

    A guarded UPDATE: it moves `enqueued_at` to now only while the campaign is still queued and was
    enqueued more than `grace` ago, so a second sweeper (or this one, next time) finds it fresh and
    leaves it, until the new job has had its grace period too.
    """
    taken = db.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CAMPAIGN_QUEUED,
                               Campaign.enqueued_at < utcnow() - grace)
        .values(enqueued_at=utcnow())
    ).rowcount
    db.commit()
    return taken == 1


def sweep(db: Session, enqueue: Callable[[int, bool], bool], is_pending: Callable[[int], bool],
          grace: timedelta = GRACE) -> list[int]:
    """Enqueue every stranded campaign; return those enqueued.

    A queued campaign (never enqueued, or enqueued more than `grace` ago) is skipped while RQ holds a
    job of it, waiting or running; one enqueued whose job RQ lost gets its job again, once, however
    many sweepers run (take_over_enqueued). An abandoned one gets a new job (enqueue(id, True)) even if
    RQ still counts the dead worker's job as started: the campaign's expired lease is the proof no live
    run works on it (every run renews it each batch), and the new run settles the messages whose claims
    expired with it.
    """
    handed = []
    stranded = stranded_campaigns(db, grace)
    for campaign_id in stranded.never_enqueued:
        if not is_pending(campaign_id) and enqueue(campaign_id, False):
            handed.append(campaign_id)
    for campaign_id in stranded.enqueued:
        if is_pending(campaign_id) or not take_over_enqueued(db, campaign_id, grace):
            continue
        log.warning("campaign %s: enqueued but no job of it waits or runs in RQ; enqueued again", campaign_id)
        if enqueue(campaign_id, False):
            handed.append(campaign_id)
    for campaign_id in stranded.lost:
        if enqueue(campaign_id, True):
            handed.append(campaign_id)
    if handed:
        log.warning("re-enqueued stranded campaigns: %s", handed)
    return handed
