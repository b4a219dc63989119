"""The job that sends a campaign: safe to run twice, never sends a message twice.

How it holds (SMS.md, exactly-once): several runs may share one campaign at once; each claims
messages in small committed batches (queued → sending) with a guarded UPDATE that records which run
holds them and until when, and sends only the rows it really got; the campaign's lease says some run
is alive on it (for the sweeper). Over SMPP a batch goes window by window: one commit records the
previous window's outcomes and marks the next window's messages outgoing (`outgoing_at`) before they
are written. Rows in `sending` whose claim expired (their run stopped) are settled: over SMPP, those
never marked outgoing were never written and go back to the queue; the others are asked of the
transport (`recover`) and, when it cannot tell, recorded as unknown rather than resent (so a crash
leaves at most one window unknown). A live run's claims are never touched. Finalisation is a
guarded UPDATE that succeeds once, whichever run gets there, and captures the credit of what was
accepted in the same transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from tutti import runtime
from tutti.models import (
    CAMPAIGN_DONE,
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
from tutti.sms import credit
from tutti.sms.campaigns import charged
from tutti.sms.cost import message_cost
from tutti.transports import Transport, from_url
from tutti.transports.base import NOT_SENT, OutgoingSms, SendResult, never_left

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)
# A batch must take far less than the lease: the outbox writes 500 rows in milliseconds, while an
# SMPP provider taking 10–50 segments a second needs a few seconds for 50 messages.
BATCH_SIZES = {"outbox": 500, "smpp": 50}
# A scheduled job may start a little before its time (clocks of web and worker machines differ).
SCHEDULE_SLACK = timedelta(seconds=60)
# How long a job waits for an unreachable provider before leaving the campaign to the sweeper.
PROVIDER_PATIENCE = 300.0
# The longest pause between two tries while the provider is away: a refused connection costs nothing,
# and a campaign should not wait long once the provider is back.
RETRY_MOST = 10.0
_STATE_OF = {"accepted": MSG_SENT, "failed": MSG_FAILED, "unknown": MSG_UNKNOWN}


def send_campaign(campaign_id: int, batch_size: int | None = None) -> str:
    """Send every message of the campaign still waiting; return what happened, for the job's result."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"
    with runtime.session() as db:
        if not _take_lease(db, campaign_id, owner):
            return "busy or finished"
        transport = from_url(runtime.transport_url(), runtime.session_factory())
        try:
            _recover(db, campaign_id, transport, owner)
            size = batch_size or runtime.setting("batch_size") or _batch_size(transport)
            if not _send_all(db, campaign_id, transport, owner, size):
                _let_go(db, campaign_id, owner)
                return "provider unreachable: left for the sweeper"
            # A run that stopped while this one sent left its claims to expire: settle them now.
            _recover(db, campaign_id, transport, owner)
        finally:
            transport.close()
        if finalise(db, campaign_id):
            return "finished"
        if _in_flight(db, campaign_id):
            return "shared: another run finishes it"
        return "already finished"


def _batch_size(transport: Transport) -> int:
    """About five seconds of sending per batch: far below the lease, few commits on a fast link."""
    if transport.name != "smpp":
        return BATCH_SIZES.get(transport.name, 100)
    pace = getattr(transport, "throughput", 0) or 0
    return 500 if pace <= 0 else max(50, min(500, int(pace * 5)))


def _send_all(db: Session, campaign_id: int, transport: Transport, owner: str, size: int) -> bool:
    """Send batch after batch; wait with backoff while the provider is away; False when it stays away."""
    patience = runtime.setting("provider_patience", PROVIDER_PATIENCE)
    waited, delay = 0.0, 1.0
    away = db.scalar(select(Campaign.provider_away_since).where(Campaign.id == campaign_id)) is not None
    while True:
        sent, not_sent = _send_next_batch(db, campaign_id, transport, owner, size)
        if not sent and not not_sent:
            return True
        if not_sent and not sent:
            if not away:
                away = _mark_provider_away(db, campaign_id, True)
            if waited >= patience:
                return False
            log.warning("campaign %s: provider unreachable, trying again in %.0f s", campaign_id, delay)
            time.sleep(delay)
            waited += delay
            delay = min(delay * 2, RETRY_MOST)
        else:
            if away:
                away = _mark_provider_away(db, campaign_id, False)
            waited, delay = 0.0, 1.0


def _mark_provider_away(db: Session, campaign_id: int, away: bool) -> bool:
    """Record that the provider is unreachable (keeping since when), or that it answers again."""
    db.execute(update(Campaign).where(Campaign.id == campaign_id).values(
        provider_away_since=func.coalesce(Campaign.provider_away_since, utcnow()) if away else None))
    db.commit()
    return away


def _let_go(db: Session, campaign_id: int, owner: str) -> None:
    db.execute(update(Campaign).where(Campaign.id == campaign_id, Campaign.lease_owner == owner)
               .values(lease_until=utcnow()))
    db.commit()


def _take_lease(db: Session, campaign_id: int, owner: str) -> bool:
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


def _renew_lease(db: Session, campaign_id: int, owner: str) -> datetime | None:
    """Say this run is alive on the campaign; return until when (its batch's claims last as long), None if over."""
    until = utcnow() + _lease()
    renewed = db.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == CAMPAIGN_SENDING)
        .values(lease_owner=owner, lease_until=until)
    ).rowcount
    db.commit()
    return until if renewed == 1 else None


def _in_flight(db: Session, campaign_id: int) -> bool:
    """Tell whether a live run still holds messages of the campaign."""
    return bool(db.scalar(select(func.count()).where(
        Message.campaign_id == campaign_id, Message.state == MSG_SENDING, Message.claim_until >= utcnow())))


def _recover(db: Session, campaign_id: int, transport: Transport, owner: str) -> None:
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
            _put_back(db, unwritten, owner)
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
    _record(db, results, owner)
    db.commit()
    log.warning("campaign %s: %d messages recovered after an interrupted run", campaign_id, len(stranded))


def _claim(db: Session, campaign_id: int, size: int, owner: str, until: datetime) -> list[int]:
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


def _send_next_batch(db: Session, campaign_id: int, transport: Transport, owner: str, size: int
                     ) -> tuple[int, int]:
    """Send one batch; return how many messages were settled and how many never left.

    With a transport that writes to a remote SMSC (`outgoing_window`), the batch goes window by window:
    one commit records the previous window's outcomes and marks the next window's messages outgoing, and
    only then are they written. A crash at any moment leaves at most one window marked and unsettled (those
    may have gone: « inconnu »); every other claimed message was either recorded or never written.
    """
    until = _renew_lease(db, campaign_id, owner)
    if until is None:
        return 0, 0
    ids = _claim(db, campaign_id, size, owner, until)
    while not ids and _queued(db, campaign_id):
        # Another run got this batch's rows first: claim the next ones.
        ids = _claim(db, campaign_id, size, owner, until)
    if not ids:
        return 0, 0
    campaign = db.get(Campaign, campaign_id)
    text = campaign.full_text
    phones = dict(db.execute(select(Message.id, Message.phone).where(Message.id.in_(ids))).all())
    window = outgoing_window(transport)
    step = window or len(ids)
    settled: list[SendResult] = []
    back: list[int] = []
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        if window:
            _record(db, settled, owner)
            settled = []
            _mark_outgoing(db, chunk, owner)
            db.commit()
        batch = [OutgoingSms(mid, campaign.structure_id, campaign.sender, phones[mid], text) for mid in chunk]
        try:
            results = transport.send_batch(batch)
        except OSError as error:  # could not bind before sending anything: the whole chunk never left
            results = [SendResult(mid, "failed", error=f"{NOT_SENT}: {error}") for mid in chunk]
        missing = set(chunk) - {r.message_id for r in results}
        results += [SendResult(mid, "unknown", error="aucune réponse du transport") for mid in missing]
        chunk_back = [r.message_id for r in results if never_left(r)]
        settled += [r for r in results if not never_left(r)]
        away = len(chunk_back) == len(chunk)
        if away:  # the SMSC is away: the rest of the batch, never marked nor written, waits in the queue too
            chunk_back += ids[start + step:]
        _put_back(db, chunk_back, owner)
        back += chunk_back
        if away:
            break
    _record(db, settled, owner)
    db.commit()
    return len(ids) - len(back), len(back)


def outgoing_window(transport: Transport) -> int | None:
    """Return how many messages the transport writes per marked window; None if it needs no marks.

    The outbox knows for sure what it holds, so it writes a whole batch in one go, unmarked; a remote SMSC
    (SMPP) cannot be asked what it took, so its messages are marked outgoing before they are written.
    """
    window = getattr(transport, "outgoing_window", None)
    return max(1, int(window)) if window else None


def _mark_outgoing(db: Session, ids: list[int], owner: str) -> None:
    """Mark messages this run holds as about to be written to the SMSC (committed by the caller)."""
    db.execute(update(Message).where(Message.id.in_(ids), Message.state == MSG_SENDING, Message.claimed_by == owner)
               .values(outgoing_at=utcnow()))


def _put_back(db: Session, ids: list[int], owner: str) -> None:
    """Put messages this run holds, never written, back in the queue for a later try."""
    if ids:
        db.execute(update(Message).where(Message.id.in_(ids), Message.state == MSG_SENDING,
                                         Message.claimed_by == owner)
                   .values(state=MSG_QUEUED, claimed_by=None, claim_until=None, outgoing_at=None))


def _queued(db: Session, campaign_id: int) -> bool:
    """Tell whether the campaign still has messages waiting to be claimed."""
    return db.scalar(select(Message.id).where(
        Message.campaign_id == campaign_id, Message.state == MSG_QUEUED).limit(1)) is not None


def _record(db: Session, results: list[SendResult], owner: str) -> None:
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


def finalise(db: Session, campaign_id: int) -> bool:
    """Finish the campaign once: capture what was accepted, release the rest of its reservation."""
    waiting = db.scalar(select(func.count()).where(
        Message.campaign_id == campaign_id, Message.state.in_((MSG_QUEUED, MSG_SENDING))))
    if waiting:
        return False
    done = db.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CAMPAIGN_SENDING)
        .values(status=CAMPAIGN_DONE, finished_at=utcnow(), lease_owner=None, lease_until=None,
                provider_away_since=None)
    ).rowcount
    if done != 1:
        db.rollback()
        return False
    campaign = db.get(Campaign, campaign_id)
    reserved = credit.campaign_totals(db, campaign_id)[credit.RESERVATION]
    spent = min(charged(db, campaign_id), reserved)
    # Unknown messages keep their credit reserved: a receipt may yet show they went (tutti.deliveries).
    held = db.execute(update(Message).where(Message.campaign_id == campaign_id, Message.state == MSG_UNKNOWN)
                      .values(credit_held=True)).rowcount
    held_sms = min(message_cost(campaign.parts_per_message, held), reserved - spent)
    credit.capture(db, campaign.structure_id, spent, campaign_id)
    credit.release(db, campaign.structure_id, reserved - spent - held_sms, campaign_id)
    db.commit()
    return True
