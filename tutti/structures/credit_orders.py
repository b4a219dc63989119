"""Credit orders: a structure orders a pack of SMS, the operator approves (the credit is added) or rejects it."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti.accounts.audit import audit
from tutti.models import (
    ORDER_APPROVED,
    ORDER_PENDING,
    ORDER_REJECTED,
    Account,
    CreditOrder,
    Structure,
    utcnow,
)
from tutti.refusals import NotFound, Refusal, Refused
from tutti.sms import credit

PACKS = (100, 500, 1000, 5000)


def order_credit(db: Session, structure_id: int, sms: int, actor: Account | None) -> CreditOrder:
    """Order a pack of SMS: a pending order the operator approves or rejects."""
    structure = db.get(Structure, structure_id)
    if structure is None:
        raise NotFound("structure_not_found")
    if sms not in PACKS:
        raise Refused(Refusal("credit_pack_unknown"))
    if not structure.sms_option:
        raise Refused(Refusal("sms_option_missing"))
    order = CreditOrder(structure_id=structure_id, sms=sms, status=ORDER_PENDING,
                        created_by=actor.id if actor else None)
    db.add(order)
    db.flush()
    audit(db, structure_id, actor, "credit.order", f"Commande n° {order.id}", f"{sms} SMS")
    db.commit()
    return order


def structure_orders(db: Session, structure_id: int, limit: int = 50) -> list[CreditOrder]:
    """Return a structure's orders, newest first."""
    return list(db.scalars(select(CreditOrder).where(CreditOrder.structure_id == structure_id)
                           .order_by(CreditOrder.id.desc()).limit(limit)))


def decide_order(db: Session, order_id: int, approve: bool, actor: Account | None) -> bool:
    """Approve (top up the ledger) or reject a pending order, once: False when it was already decided.

    Only the platform operator decides (the command line, or an operator account): the guarded UPDATE on the
    pending status is what makes a second approval, even a concurrent one, top up nothing.
    """
    if actor is not None and not actor.is_operator:
        raise Refused(Refusal("operator_only"))
    order = db.get(CreditOrder, order_id)
    if order is None:
        raise NotFound("order_not_found")
    status = ORDER_APPROVED if approve else ORDER_REJECTED
    decided = db.execute(update(CreditOrder).where(CreditOrder.id == order_id, CreditOrder.status == ORDER_PENDING)
                         .values(status=status, decided_by=actor.id if actor else None, decided_at=utcnow())).rowcount
    if decided != 1:
        db.rollback()
        return False
    if approve:
        credit.add(db, order.structure_id, order.sms, kind=credit.TOPUP, label=f"Commande n° {order.id}")
    audit(db, order.structure_id, actor, "credit.approve" if approve else "credit.reject",
          f"Commande n° {order.id}", f"{order.sms} SMS")
    db.commit()
    db.refresh(order)
    return True


def pending_orders(db: Session) -> list[CreditOrder]:
    """Return every pending order, oldest first (the operator's queue)."""
    return list(db.scalars(select(CreditOrder).where(CreditOrder.status == ORDER_PENDING).order_by(CreditOrder.id)))
