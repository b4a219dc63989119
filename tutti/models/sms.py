"""Tables of the SMS flow: campaigns, one message per number, its parts, outbox and opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tutti.models.accounts import Account
from tutti.models.base import Base, utcnow

CAMPAIGN_SCHEDULED, CAMPAIGN_QUEUED, CAMPAIGN_SENDING, CAMPAIGN_DONE, CAMPAIGN_CANCELLED = (
    "scheduled", "queued", "sending", "done", "cancelled")
CAMPAIGN_LABELS = {
    CAMPAIGN_SCHEDULED: "programmé", CAMPAIGN_QUEUED: "en cours", CAMPAIGN_SENDING: "en cours",
    CAMPAIGN_DONE: "terminé", CAMPAIGN_CANCELLED: "annulé",
}


class Campaign(Base):
    """One press of Envoyer: a text sent to the distinct deliverable numbers of a selection."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_structure_time", "structure_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    # The recap's one-time token: a replayed Envoyer finds the campaign it already made.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    suffix: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(11))
    encoding: Mapped[str] = mapped_column(String(5))
    parts_per_message: Mapped[int] = mapped_column(Integer)
    people_selected: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=CAMPAIGN_QUEUED)
    transport: Mapped[str] = mapped_column(String(20), default="outbox")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The lease: only the run holding an unexpired lease works on the campaign.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Since when the job finds the SMS provider unreachable (the progress says so); None once it answers.
    provider_away_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[Account] = relationship()

    @property
    def full_text(self) -> str:
        """Return the text exactly as phones receive it."""
        return self.text + self.suffix

    @property
    def status_label(self) -> str:
        """Return the campaign state in the words on screen."""
        return CAMPAIGN_LABELS.get(self.status, self.status)


# Message states (SMS.md): queued → sending → sent → delivered / undelivered / expired / rejected;
# failed when the provider refused it; unknown when it may or may not have been accepted.
MSG_QUEUED, MSG_SENDING, MSG_SENT, MSG_DELIVERED = "queued", "sending", "sent", "delivered"
MSG_UNDELIVERED, MSG_EXPIRED, MSG_REJECTED, MSG_FAILED, MSG_UNKNOWN, MSG_CANCELLED = (
    "undelivered", "expired", "rejected", "failed", "unknown", "cancelled")
MESSAGE_LABELS = {
    MSG_QUEUED: "en attente", MSG_SENDING: "en attente", MSG_SENT: "envoyé", MSG_DELIVERED: "reçu",
    MSG_UNDELIVERED: "non reçu", MSG_EXPIRED: "expiré", MSG_REJECTED: "rejeté", MSG_FAILED: "échec",
    MSG_UNKNOWN: "inconnu", MSG_CANCELLED: "annulé",
}
# States in which the provider took the message: its credit is captured. A message whose outcome
# is unknown is not charged: Tutti never takes credit for an SMS it cannot show was accepted.
ACCEPTED_STATES = (MSG_SENT, MSG_DELIVERED, MSG_UNDELIVERED, MSG_EXPIRED, MSG_REJECTED)

message_people = Table(
    "message_people",
    Base.metadata,
    Column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
)


class Message(Base):
    """One SMS of a campaign to one distinct number, standing for one or more people."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone", name="uq_messages_campaign_phone"),
        Index("ix_messages_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), default=MSG_QUEUED)
    parts: Mapped[int] = mapped_column(Integer)
    provider_id: Mapped[str | None] = mapped_column(String(200), index=True)
    error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An unknown message keeps its credit reserved until a receipt says it went (captured) or
    # the hold period passes without one (released).
    credit_held: Mapped[bool] = mapped_column(Boolean, default=False)
    # The run sending it (while `sending`) and until when its claim holds: past that, its run stopped.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claim_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set, in one commit per window, just before the run writes the message to the SMSC: after a crash only
    # a message marked so may have gone (unknown); one never marked was never written and goes back to the queue.
    outgoing_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def state_label(self) -> str:
        """Return the message state in the words on screen."""
        return MESSAGE_LABELS.get(self.state, self.state)


class MessagePart(Base):
    """One part of a message as the provider numbered it: delivery receipts come per part."""

    __tablename__ = "message_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not unique: a provider may number again from 1 after a restart; receipts go to the newest.
    provider_id: Mapped[str] = mapped_column(String(80), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    stat: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxEntry(Base):
    """What a phone would have received, when the outbox transport stands in for a provider."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_structure_time", "structure_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    sender: Mapped[str] = mapped_column(String(11))
    phone: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    encoding: Mapped[str] = mapped_column(String(5))
    parts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OptOut(Base):
    """A number that answered STOP: the structure never sends to it until consent is recorded."""

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("structure_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    phone: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removal_reason: Mapped[str | None] = mapped_column(Text)
