"""The SMS credit ledger: every movement is a row, and the balance never goes negative.

The structure row carries the balance, updated in the same transaction as each ledger row; the
guarded UPDATE (`… WHERE credit_balance >= n`) is what makes a reservation atomic on SQLite and
PostgreSQL alike (SQLAlchemy drops FOR UPDATE on SQLite, so no read-then-write here).
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tutti.models import CreditMovement, Structure

INITIAL, TOPUP, RESERVATION, CAPTURE, RELEASE = "initial", "topup", "reservation", "capture", "release"
KIND_LABELS = {
    INITIAL: "Crédit initial", TOPUP: "Réapprovisionnement", RESERVATION: "Réservation",
    CAPTURE: "Débit", RELEASE: "Libération",
}


def balance(db: Session, structure_id: int) -> int:
    """Return the SMS the structure may still spend."""
    return db.scalar(select(Structure.credit_balance).where(Structure.id == structure_id)) or 0


def ledger_balance(db: Session, structure_id: int) -> int:
    """Return the balance as the sum of the ledger (equal to `balance` at every commit)."""
    return db.scalar(select(func.coalesce(func.sum(CreditMovement.delta), 0)).where(
        CreditMovement.structure_id == structure_id)) or 0


def _move(db: Session, structure_id: int, kind: str, sms: int, delta: int, campaign_id: int | None,
          label: str, guard: bool = False) -> bool:
    statement = update(Structure).where(Structure.id == structure_id)
    if guard:
        statement = statement.where(Structure.credit_balance >= -delta)
    after = db.execute(
        statement.values(credit_balance=Structure.credit_balance + delta).returning(Structure.credit_balance)
    ).scalar()
    if after is None:
        return False
    db.add(CreditMovement(structure_id=structure_id, campaign_id=campaign_id, kind=kind, sms=sms, delta=delta,
                          balance_after=after, label=label or KIND_LABELS[kind]))
    return True


def add(db: Session, structure_id: int, sms: int, kind: str = TOPUP, label: str = "") -> None:
    """Credit the structure with SMS (initial credit or a top-up)."""
    if sms <= 0:
        raise ValueError("a credit must be positive")
    _move(db, structure_id, kind, sms, sms, None, label)


def reserve(db: Session, structure_id: int, sms: int, campaign_id: int) -> bool:
    """Set SMS aside for a campaign; False (and nothing written) when the balance is short."""
    if sms < 0:
        raise ValueError("a reservation cannot be negative")
    return _move(db, structure_id, RESERVATION, sms, -sms, campaign_id, "", guard=True)


def capture(db: Session, structure_id: int, sms: int, campaign_id: int) -> None:
    """Record that reserved SMS were sent: they stay spent."""
    if sms > 0:
        _move(db, structure_id, CAPTURE, sms, 0, campaign_id, "")


def release(db: Session, structure_id: int, sms: int, campaign_id: int) -> None:
    """Give back reserved SMS that were not sent."""
    if sms > 0:
        _move(db, structure_id, RELEASE, sms, sms, campaign_id, "")


def campaign_totals(db: Session, campaign_id: int) -> dict[str, int]:
    """Return how many SMS a campaign reserved, captured and released."""
    rows = db.execute(
        select(CreditMovement.kind, func.sum(CreditMovement.sms))
        .where(CreditMovement.campaign_id == campaign_id)
        .group_by(CreditMovement.kind)
    )
    totals = {RESERVATION: 0, CAPTURE: 0, RELEASE: 0}
    totals.update({kind: int(total or 0) for kind, total in rows})
    return totals
