"""What comes back from phones: delivery receipts update messages, STOP replies fill the opt-out list."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutti.models import utcnow
from tutti.smpp.receipts import is_stop
from tutti.sms_models import (
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
)

log = logging.getLogger(__name__)
FINAL_STATES = {"DELIVRD": MSG_DELIVERED, "UNDELIV": MSG_UNDELIVERED, "EXPIRED": MSG_EXPIRED,
                "REJECTD": MSG_REJECTED, "DELETED": MSG_UNDELIVERED}
# States a receipt may change: a message the provider took, or one whose fate was unknown.
_UPDATABLE = (MSG_SENT, MSG_UNKNOWN, MSG_DELIVERED, MSG_UNDELIVERED, MSG_EXPIRED, MSG_REJECTED)


class UnknownReceipt(LookupError):
    """A receipt for a part Tutti has not recorded (yet): the provider should deliver it again later."""


def apply_receipt(db: Session, provider_id: str, stat: str, error: str | None = None) -> None:
    """Record a part's receipt; once every part has a final one, the message takes its state."""
    part = db.scalars(select(MessagePart).where(MessagePart.provider_id == provider_id)
                      .order_by(MessagePart.id.desc()).limit(1)).first()
    if part is None:
        raise UnknownReceipt(provider_id)
    if stat not in FINAL_STATES:
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


def apply_inbound(db: Session, source: str, text: str) -> int | None:
    """Put a number that answered STOP on the opt-out list of the structure that last wrote to it.

    The short code is shared: the reply names no structure, so it goes to the one whose SMS the
    person most recently received. Returns that structure's id, or None when nothing was done.
    """
    if not is_stop(text):
        log.info("inbound SMS from %s kept in the logs only: %r", source, text[:160])
        return None
    structure_id = db.scalar(
        select(Campaign.structure_id).join(Message, Message.campaign_id == Campaign.id)
        .where(Message.phone == source).order_by(Message.sent_at.desc().nulls_last(), Message.id.desc()).limit(1)
    )
    if structure_id is None:
        log.warning("STOP from %s, a number no structure wrote to", source)
        return None
    existing = db.scalar(select(OptOut).where(OptOut.structure_id == structure_id, OptOut.phone == source))
    if existing is None:
        db.add(OptOut(structure_id=structure_id, phone=source, text=text[:200]))
    elif not existing.active:
        existing.active, existing.text, existing.created_at = True, text[:200], utcnow()
        existing.removed_by_id = existing.removed_at = existing.removal_reason = None
    db.commit()
    return structure_id
