"""A structure (a school, a band, an association) and what it asks of the platform: contact requests, credit orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tutti.models.base import Base, utcnow


class Structure(Base):
    """A school, a band or an association: everything else belongs to one."""

    __tablename__ = "structures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sms_option: Mapped[bool] = mapped_column(Boolean, default=False)
    sender_name: Mapped[str | None] = mapped_column(String(11))
    phone_region: Mapped[str] = mapped_column(String(2), default="FR")
    # Cached balance of the ledger, kept in the same transaction as each ledger row; the guarded
    # UPDATE on it is what makes reservations atomic.
    credit_balance: Mapped[int] = mapped_column(Integer, default=0)
    low_credit_threshold: Mapped[int] = mapped_column(Integer, default=50)
    window_policy: Mapped[str] = mapped_column(String(10), default="warn")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("credit_balance >= 0", name="ck_structures_credit_not_negative"),)


class ContactRequest(Base):
    """A message a structure sends to the platform operator (the SMS option, credit, anything else)."""

    __tablename__ = "contact_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    author_login: Mapped[str] = mapped_column(String(80), default="")
    subject: Mapped[str] = mapped_column(String(20))
    reply_to: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handled_by: Mapped[int | None] = mapped_column(Integer)

    structure: Mapped[Structure] = relationship()


ORDER_PENDING, ORDER_APPROVED, ORDER_REJECTED = "pending", "approved", "rejected"
ORDER_LABELS = {ORDER_PENDING: "en attente", ORDER_APPROVED: "validée", ORDER_REJECTED: "refusée"}


class CreditOrder(Base):
    """A pack of SMS a structure ordered; the operator's approval tops up the ledger once."""

    __tablename__ = "credit_orders"
    __table_args__ = (
        CheckConstraint("status in ('pending', 'approved', 'rejected')", name="ck_credit_orders_status"),
        CheckConstraint("sms > 0", name="ck_credit_orders_sms_positive"),
        Index("ix_credit_orders_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"), index=True)
    sms: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=ORDER_PENDING)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    structure: Mapped[Structure] = relationship()

    @property
    def status_label(self) -> str:
        """Return the order's state in the words on screen."""
        return ORDER_LABELS.get(self.status, self.status)
