"""A structure's SMS credit ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from tutti.models.base import Base, utcnow


class CreditMovement(Base):
    """One row of a structure's SMS credit ledger; the balance is the sum of `delta`."""

    __tablename__ = "credit_movements"
    __table_args__ = (Index("ix_credit_structure_time", "structure_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    # initial, topup, reservation, capture, release
    kind: Mapped[str] = mapped_column(String(12))
    # How many SMS the movement is about (always ≥ 0) and what it does to the available balance.
    sms: Mapped[int] = mapped_column(Integer)
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# Campaign states: scheduled → queued → sending → done; scheduled or queued → cancelled.
