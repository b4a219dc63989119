"""What comes back from phones: delivery receipts update messages, STOP replies fill the opt-out list."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti.logs import mask_phones
from tutti.models import (
    MSG_DELIVERED,
    MSG_EXPIRED,
    MSG_REJECTED,
    MSG_SENT,
    MSG_UNDELIVERED,
    MSG_UNKNOWN,
    Campaign,
    Message,
    MessagePart,
    OptOut,
    utcnow,
)
from tutti.smpp.receipts import is_stop
from tutti.sms import credit
from tutti.sms.cost import message_cost

log = logging.getLogger(__name__)
# How long an unknown message keeps its credit reserved, waiting for a receipt to vouch for it.
UNKNOWN_HOLD = timedelta(hours=48)
FINAL_STATES = {"DELIVRD": MSG_DELIVERED, "UNDELIV": MSG_UNDELIVERED, "EXPIRED": MSG_EXPIRED,
                "REJECTD": MSG_REJECTED, "DELETED": MSG_UNDELIVERED}
# States a receipt may change: a message the provider took, or one whose fate was unknown.
_UPDATABLE = (MSG_SENT, MSG_UNKNOWN, MSG_DELIVERED, MSG_UNDELIVERED, MSG_EXPIRED, MSG_REJECTED)


class UnknownReceipt(LookupError):
    """A receipt for a part Tutti has not recorded (yet): the provider should deliver it again later."""


def apply_receipt(db: Session, provider_id: str, stat: str, error: str | None = None, source: str = "") -> None:
    """Record a part's receipt; once every part has a final one, the message takes its state."""
    part = db.scalars(select(MessagePart).where(MessagePart.provider_id == provider_id)
                      .order_by(MessagePart.id.desc()).limit(1)).first()
    if part is None:
        part = _vouch_for_unknown(db, provider_id, source)
    if part is None:
        raise UnknownReceipt(provider_id)
    if stat not in FINAL_STATES:
        db.commit()
        return  # ENROUTE, ACCEPTD…: not an outcome yet
    part.stat, part.updated_at = stat, utcnow()
    db.flush()
    stats = list(db.scalars(select(MessagePart.stat).where(MessagePart.message_id == part.message_id)))
    message = db.get(Message, part.message_id)
    if None in stats or message is None or message.state not in _UPDATABLE:
        db.commit()
        return
    worst = next((s for s in stats if s != "DELIVRD"), "DELIVRD")
    message.state, message.updated_at = FINAL_STATES[worst], utcnow()
    if worst != "DELIVRD" and error:
        message.error = f"code {error}"
    db.commit()


def _vouch_for_unknown(db: Session, provider_id: str, source: str) -> MessagePart | None:
    """A receipt for an id Tutti never heard of, from a number whose message is unknown: it went.

    The answer to its submit was lost (crash, cut connection), but the provider took it. The
    receipt settles it: the part is recorded, and the credit it held is captured.
    """
    if not source:
        return None
    message = db.scalars(select(Message).where(Message.phone == source, Message.state == MSG_UNKNOWN)
                         .order_by(Message.id.desc()).limit(1).with_for_update()).first()
    if message is None:
        return None
    # Lock the campaign row: finalisation either ran before (the credit is held: capture it here)
    # or runs after and counts this message among the accepted.
    db.execute(select(Campaign.id).where(Campaign.id == message.campaign_id).with_for_update())
    message.state, message.updated_at = MSG_SENT, utcnow()
    part = MessagePart(provider_id=provider_id, message_id=message.id)
    db.add(part)
    settle_held(db, message.id, went=True)
    db.flush()
    return part


def apply_inbound(db: Session, source: str, text: str) -> int | None:
    """Put a number that answered STOP on the opt-out list of the structure that last wrote to it.

    The short code is shared: the reply names no structure, so it goes to the one whose SMS the
    person most recently received. Returns that structure's id, or None when nothing was done.
    """
    if not is_stop(text):
        # A reply other than STOP is private: its text stays out of the logs, only its length is kept.
        log.info("inbound SMS from %s ignored (not a STOP, %d characters)", mask_phones(source), len(text))
        return None
    structure_id = db.scalar(
        select(Campaign.structure_id).join(Message, Message.campaign_id == Campaign.id)
        .where(Message.phone == source).order_by(Message.sent_at.desc().nulls_last(), Message.id.desc()).limit(1)
    )
    if structure_id is None:
        log.warning("STOP from %s, a number no structure wrote to", mask_phones(source))
        return None
    existing = db.scalar(select(OptOut).where(OptOut.structure_id == structure_id, OptOut.phone == source))
    if existing is None:
        db.add(OptOut(structure_id=structure_id, phone=source, text=text[:200]))
    elif not existing.active:
        existing.active, existing.text, existing.created_at = True, text[:200], utcnow()
        existing.removed_by_id = existing.removed_at = existing.removal_reason = None
    db.commit()
    return structure_id


def settle_held(db: Session, message_id: int, went: bool) -> bool:
    """Capture (it went) or release (it did not) the credit an unknown message held; once only."""
    message = db.get(Message, message_id)
    if message is None:
        return False
    settled = db.execute(update(Message).where(Message.id == message_id, Message.credit_held.is_(True))
                         .values(credit_held=False)).rowcount
    if settled != 1:
        return False
    campaign = db.get(Campaign, message.campaign_id)
    cost = message_cost(campaign.parts_per_message, 1)
    if went:
        credit.capture(db, campaign.structure_id, cost, campaign.id)
    else:
        credit.release(db, campaign.structure_id, cost, campaign.id)
    return True


def release_expired_holds(db: Session, hold: timedelta = UNKNOWN_HOLD) -> int:
    """Release the credit of unknown messages no receipt has vouched for within the hold period."""
    ids = list(db.scalars(select(Message.id).where(
        Message.credit_held.is_(True), Message.state == MSG_UNKNOWN, Message.updated_at < utcnow() - hold)))
    released = sum(settle_held(db, mid, went=False) for mid in ids)
    db.commit()
    return released
