"""Who holds what while a campaign is sent: the runs' lease on the campaign, their claims on its messages.

A run joins the campaign and renews its lease each batch; it claims queued messages with a guarded UPDATE that
records which run holds them and until when; it marks a window outgoing before writing it to an SMSC, records
outcomes only for rows it still holds, and settles what a stopped run left in `sending` (`recover`). The job that
drives these steps, and why they make a send exactly-once, is `tutti.sms.sending`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tutti import runtime
from tutti.models import (
    CAMPAIGN_QUEUED,
    CAMPAIGN_SCHEDULED,
    CAMPAIGN_SENDING,
    MSG_CANCELLED,
    MSG_FAILED,
    MSG_QUEUED,
    MSG_SENDING,
    MSG_SENT,
    MSG_UNKNOWN,
    Campaign,
    Message,
    MessagePart,
    OptOut,
    utcnow,
)
from tutti.transports import Transport
from tutti.transports.base import SendResult

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)
# A scheduled job may start a little before its time (clocks of web and worker machines differ).
SCHEDULE_SLACK = timedelta(seconds=60)
_STATE_OF = {"accepted": MSG_SENT, "failed": MSG_FAILED, "unknown": MSG_UNKNOWN}


def let_go(db: Session, campaign_id: int, owner: str) -> None:
    """End this run's lease now, so that the sweeper may hand the campaign to another job."""
    db.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.lease_owner == owner)
               .values(lease_until=utcnow()))
    db.commit()


def take_lease(db: Session, campaign_id: int, owner: str) -> bool:
    """Join the campaign while it is still to send: the lease says a run is alive on it, not which one alone."""
    now = utcnow()
    taken = db.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id,
               Campaign.status.in_((CAMPAIGN_SCHEDULED, CAMPAIGN_QUEUED, CAMPAIGN_SENDING)),
               Campaign.scheduled_for.is_(None) | (Campaign.scheduled_for <= now + SCHEDULE_SLACK))
        .values(status=CAMPAIGN_SENDING, lease_owner=owner, lease_until=now + _lease(),
                started_at=func.coalesce(Campaign.started_at, now))
    ).rowcount
    db.commit()
    return taken == 1


def _lease() -> timedelta:
    seconds = runtime.setting("lease_seconds")
    return timedelta(seconds=seconds) if seconds else LEASE


def renew_lease(db: Session, campaign_id: int, owner: str) -> datetime | None:
    """Say this run is alive on the campaign; return until when (its batch's claims last as long), None if over."""
    until = utcnow() + _lease()
    renewed = db.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CAMPAIGN_SENDING)
        .values(lease_owner=owner, lease_until=until)
    ).rowcount
    db.commit()
    return until if renewed == 1 else None


def in_flight(db: Session, campaign_id: int) -> bool:
    """Tell whether a live run still holds messages of the campaign."""
    return bool(db.scalar(select(func.count()).where(
        Message.campaign_id == campaign_id, Message.state == MSG_SENDING, Message.claim_until >= utcnow())))


def recover(db: Session, campaign_id: int, transport: Transport, owner: str) -> None:
    """Settle messages a stopped run left in `sending` (claim expired): known outcomes recorded, the rest unknown."""
    now = utcnow()
    expired = (Message.campaign_id == campaign_id, Message.state == MSG_SENDING,
               Message.claim_until.is_(None) | (Message.claim_until < now))
    # Take them over first (guarded), so that two runs recovering at once never settle the same row.
    db.execute(update(Message).where(*expired).values(claimed_by=owner, claim_until=now + _lease()))
    db.commit()
    stranded = list(db.scalars(select(Message.id).where(
        Message.campaign_id == campaign_id, Message.state == MSG_SENDING, Message.claimed_by == owner)))
    if not stranded:
        return
    if outgoing_window(transport):
        # Never marked outgoing: the stopped run never wrote them to the SMSC. They go again.
        unwritten = list(db.scalars(select(Message.id).where(Message.id.in_(stranded),
                                                             Message.outgoing_at.is_(None))))
        if unwritten:
            put_back(db, unwritten, owner)
            db.commit()
            log.warning("campaign %s: %d messages an interrupted run never wrote go back to the queue",
                        campaign_id, len(unwritten))
        gone = set(unwritten)
        stranded = [mid for mid in stranded if mid not in gone]
        if not stranded:
            return
    known = transport.recover(stranded)
    results = [known.get(mid) or SendResult(mid, "unknown", error="interrompu pendant l'envoi")
               for mid in stranded]
    if transport.name == "outbox":
        # The outbox knows for sure: what it does not hold was never sent and can go again.
        absent = [mid for mid in stranded if mid not in known]
        results = [r for r in results if r.message_id in known]
        db.execute(update(Message).where(Message.id.in_(absent), Message.state == MSG_SENDING,
                                         Message.claimed_by == owner)
                   .values(state=MSG_QUEUED, claimed_by=None, claim_until=None))
    record(db, results, owner)
    db.commit()
    log.warning("campaign %s: %d messages recovered after an interrupted run", campaign_id, len(stranded))


def claim(db: Session, campaign_id: int, size: int, owner: str, until: datetime) -> list[int]:
    """Claim up to `size` queued messages for this run; return the ids it really got."""
    # A STOP that came after Envoyer (or while a scheduled send waited) still wins: never send to it.
    structure_id = select(Campaign.structure_id).where(Campaign.id == campaign_id).scalar_subquery()
    db.execute(update(Message).where(
        Message.campaign_id == campaign_id, Message.state == MSG_QUEUED,
        Message.phone.in_(select(OptOut.phone).where(OptOut.structure_id == structure_id, OptOut.active.is_(True))),
    ).values(state=MSG_CANCELLED, error="désinscrit (STOP)", updated_at=utcnow()))
    query = (select(Message.id).where(Message.campaign_id == campaign_id, Message.state == MSG_QUEUED)
             .order_by(Message.id).limit(size))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.scalars(query))
    if ids:
        # Two runs may pre-select the same ids (SQLite has no SKIP LOCKED): the guard gives each row to one.
        db.execute(update(Message).where(Message.id.in_(ids), Message.state == MSG_QUEUED)
                   .values(state=MSG_SENDING, claimed_by=owner, claim_until=until, outgoing_at=None,
                           updated_at=utcnow()))
    db.commit()
    if not ids:
        return []
    return list(db.scalars(select(Message.id).where(
        Message.id.in_(ids), Message.state == MSG_SENDING, Message.claimed_by == owner).order_by(Message.id)))


def outgoing_window(transport: Transport) -> int | None:
    """Return how many messages the transport writes per marked window; None if it needs no marks.

    The outbox knows for sure what it holds, so it writes a whole batch in one go, unmarked; a remote SMSC
    (SMPP) cannot be asked what it took, so its messages are marked outgoing before they are written.
    """
    window = getattr(transport, "outgoing_window", None)
    return max(1, int(window)) if window else None


def mark_outgoing(db: Session, ids: list[int], owner: str) -> None:
    """Mark messages this run holds as about to be written to the SMSC (committed by the caller)."""
    db.execute(update(Message).where(Message.id.in_(ids), Message.state == MSG_SENDING, Message.claimed_by == owner)
               .values(outgoing_at=utcnow()))


def put_back(db: Session, ids: list[int], owner: str) -> None:
    """Put messages this run holds, never written, back in the queue for a later try."""
    if ids:
        db.execute(update(Message).where(Message.id.in_(ids), Message.state == MSG_SENDING,
                                         Message.claimed_by == owner)
                   .values(state=MSG_QUEUED, claimed_by=None, claim_until=None, outgoing_at=None))


def queued(db: Session, campaign_id: int) -> bool:
    """Tell whether the campaign still has messages waiting to be claimed."""
    return db.scalar(select(Message.id).where(
        Message.campaign_id == campaign_id, Message.state == MSG_QUEUED).limit(1)) is not None


def record(db: Session, results: list[SendResult], owner: str) -> None:
    """Record outcomes of messages this run holds (a row another run took over is left to it)."""
    if not results:
        return
    now = utcnow()
    parts = [{"provider_id": pid, "message_id": r.message_id}
             for r in results if r.provider_id and r.outcome != "failed" for pid in r.provider_id.split(",")]
    if parts:
        db.execute(insert(MessagePart), parts)
    db.execute(
        update(Message.__table__)
        .where(Message.__table__.c.id == bindparam("mid"), Message.__table__.c.state == MSG_SENDING,
               Message.__table__.c.claimed_by == owner)
        .values(state=bindparam("new_state"), provider_id=bindparam("pid"), error=bindparam("err"),
                sent_at=now, updated_at=now),
        [{"mid": r.message_id, "new_state": _STATE_OF[r.outcome], "pid": r.provider_id,
          "err": (r.error or None) and r.error[:200]} for r in results],
    )
