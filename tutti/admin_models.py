"""Tables of structure administration: audit log, password-reset links, contact requests, credit orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tutti.models import Base, Structure, utcnow


class AuditLog(Base):
    """Who changed what, and when: one row per change to accounts, rights, settings, option or orders."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_structure_time", "structure_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"))
    # No foreign key: the log outlives the accounts it names, so the login is kept as it was.
    actor_account_id: Mapped[int | None] = mapped_column(Integer)
    actor_login: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PasswordResetLink(Base):
    """A one-time link to set a password; only the SHA-256 of its token is stored."""

    __tablename__ = "password_reset_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when the link is used, or when a newer link replaces it.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
