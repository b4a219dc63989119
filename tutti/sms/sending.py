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
accepted in the same transaction. The lease and the claims themselves are `tutti.sms.claims`.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tutti import runtime
from tutti.models import (
    CAMPAIGN_DONE,
    CAMPAIGN_SENDING,
    MSG_QUEUED,
    MSG_SENDING,
    MSG_UNKNOWN,
    Campaign,
    Message,
    utcnow,
)
from tutti.sms import claims, credit
from tutti.sms.campaigns import charged
from tutti.sms.cost import message_cost
from tutti.transports import Transport, from_url
from tutti.transports.base import NOT_SENT, OutgoingSms, SendResult, never_left

log = logging.getLogger(__name__)
# A batch must take far less than the lease: the outbox writes 500 rows in milliseconds, while an
# SMPP provider taking 10–50 segments a second needs a few seconds for 50 messages.
BATCH_SIZES = {"outbox": 500, "smpp": 50}
# How long a job waits for an unreachable provider before leaving the campaign to the sweeper.
PROVIDER_PATIENCE = 300.0
# The longest pause between two tries while the provider is away: a refused connection costs nothing,
# and a campaign should not wait long once the provider is back.
RETRY_MOST = 10.0


def send_campaign(campaign_id: int, batch_size: int | None = None) -> str:
    """Send every message of the campaign still waiting; return what happened, for the job's result."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"
    with runtime.session() as db:
        if not claims.take_lease(db, campaign_id, owner):
            return "busy or finished"
        transport = from_url(runtime.transport_url(), runtime.session_factory())
        try:
            claims.recover(db, campaign_id, transport, owner)
            size = batch_size or runtime.setting("batch_size") or _batch_size(transport)
            if not _send_all(db, campaign_id, transport, owner, size):
                claims.let_go(db, campaign_id, owner)
                return "provider unreachable: left for the sweeper"
            # A run that stopped while this one sent left its claims to expire: settle them now.
            claims.recover(db, campaign_id, transport, owner)
        finally:
            transport.close()
        if finalise(db, campaign_id):
            return "finished"
        if claims.in_flight(db, campaign_id):
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


def _send_next_batch(db: Session, campaign_id: int, transport: Transport, owner: str, size: int
                     ) -> tuple[int, int]:
    """Send one batch; return how many messages were settled and how many never left.

    With a transport that writes to a remote SMSC (`outgoing_window`), the batch goes window by window:
    one commit records the previous window's outcomes and marks the next window's messages outgoing, and
    only then are they written. A crash at any moment leaves at most one window marked and unsettled (those
    may have gone: « inconnu »); every other claimed message was either recorded or never written.
    """
    until = claims.renew_lease(db, campaign_id, owner)
    if until is None:
        return 0, 0
    ids = claims.claim(db, campaign_id, size, owner, until)
    while not ids and claims.queued(db, campaign_id):
        # Another run got this batch's rows first: claim the next ones.
        ids = claims.claim(db, campaign_id, size, owner, until)
    if not ids:
        return 0, 0
    campaign = db.get(Campaign, campaign_id)
    text = campaign.full_text
    phones = dict(db.execute(select(Message.id, Message.phone).where(Message.id.in_(ids))).all())
    window = claims.outgoing_window(transport)
    step = window or len(ids)
    settled: list[SendResult] = []
    back: list[int] = []
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        if window:
            claims.record(db, settled, owner)
            settled = []
            claims.mark_outgoing(db, chunk, owner)
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
        claims.put_back(db, chunk_back, owner)
        back += chunk_back
        if away:
            break
    claims.record(db, settled, owner)
    db.commit()
    return len(ids) - len(back), len(back)


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
