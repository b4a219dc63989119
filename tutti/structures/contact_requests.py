"""Contact requests: a structure writes to the operator, who marks each one handled."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti.accounts.audit import audit
from tutti.models import (
    Account,
    ContactRequest,
    Structure,
    utcnow,
)
from tutti.refusals import NotFound, Refusal, Refused

CONTACT_SUBJECTS = {"option": "Souscrire à l'option SMS", "credit": "Crédit SMS", "other": "Autre question"}
MAX_CONTACT_CHARS = 2000


def send_contact_request(db: Session, structure_id: int, actor: Account, subject: str, reply_to: str,
                         message: str) -> ContactRequest:
    """Keep a structure's message for the platform operator."""
    message = message.strip()
    if subject not in CONTACT_SUBJECTS:
        raise Refused(Refusal("contact_subject_unknown"))
    if not message or len(message) > MAX_CONTACT_CHARS:
        raise Refused(Refusal("contact_message_length", max=MAX_CONTACT_CHARS))
    if db.get(Structure, structure_id) is None:
        raise NotFound("structure_not_found")
    request = ContactRequest(structure_id=structure_id, account_id=actor.id, author_login=actor.login,
                             subject=subject, reply_to=reply_to.strip()[:200], message=message)
    db.add(request)
    db.flush()
    audit(db, structure_id, actor, "contact.send", f"Demande n° {request.id}", CONTACT_SUBJECTS[subject])
    db.commit()
    return request


def structure_contact_requests(db: Session, structure_id: int, limit: int = 20) -> list[ContactRequest]:
    """Return a structure's latest contact requests, newest first."""
    return list(db.scalars(select(ContactRequest).where(ContactRequest.structure_id == structure_id)
                           .order_by(ContactRequest.id.desc()).limit(limit)))


def open_contact_requests(db: Session, limit: int = 200) -> list[ContactRequest]:
    """Return the contact requests the operator has not handled yet, oldest first."""
    return list(db.scalars(select(ContactRequest).where(ContactRequest.handled_at.is_(None))
                           .order_by(ContactRequest.id).limit(limit)))


def mark_contact_handled(db: Session, request_id: int, actor: Account | None) -> bool:
    """Mark a contact request as handled; False when it already was."""
    request = db.get(ContactRequest, request_id)
    if request is None:
        raise NotFound("contact_request_not_found")
    done = db.execute(update(ContactRequest).where(ContactRequest.id == request_id,
                                                   ContactRequest.handled_at.is_(None))
                      .values(handled_at=utcnow(), handled_by=actor.id if actor else None)).rowcount
    if done:
        audit(db, request.structure_id, actor, "contact.handled", f"Demande n° {request_id}")
    db.commit()
    return bool(done)
