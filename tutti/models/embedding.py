"""Tables of embedding: API keys of a structure, single-use embed links, origins allowed to frame the panel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tutti.models.base import Base, utcnow


class ApiKey(Base):
    """A key a portal's server uses to call the API for one structure; only its hash is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The public start of the key, shown in the list so that staff recognise it; unique, and how a key is found.
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    # SHA-256 of the whole key: the key is long and random, so a fast hash is enough.
    key_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def active(self) -> bool:
        """Say whether the key still opens the API."""
        return self.revoked_at is None


class EmbedLink(Base):
    """A short-lived link that opens the SMS panel once, for one personal account and preselected people."""

    __tablename__ = "embed_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    # Ids of the preselected people (Tutti's ids, all of the link's structure), as a JSON list.
    person_ids: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set once, by a guarded UPDATE, when the link is opened: a second opening finds it set.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FrameOrigin(Base):
    """An origin (scheme, host, port) whose pages may show the structure's SMS panel in a frame."""

    __tablename__ = "frame_origins"
    __table_args__ = (UniqueConstraint("structure_id", "origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
