"""The structure's people: people, their tags, and the selections ticked among them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tutti.models.base import Base, utcnow

person_tags = Table(
    "person_tags",
    Base.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Base):
    """A label staff put on people (Élève, Professeur, Parent…)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("structure_id", "name"), UniqueConstraint("structure_id", "external_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The host portal's own id for this tag, when the portal pushes its tags through the API.
    external_id: Mapped[str | None] = mapped_column(String(100))


class Person(Base):
    """Someone in a structure's list."""

    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_structure_sort", "structure_id", "archived", "last_name_key", "first_name_key", "id"),
        UniqueConstraint("structure_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Accent- and case-folded names, so that sorting and searching treat « Émile » like « emile ».
    first_name_key: Mapped[str] = mapped_column(String(100), default="")
    last_name_key: Mapped[str] = mapped_column(String(100), default="")
    sexe: Mapped[str] = mapped_column(String(1), default="")  # "F", "M" or "" when not said
    mobile_raw: Mapped[str] = mapped_column(String(40), default="")
    mobile_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    # One of tutti.directory.phones' kinds: none, invalid, landline, mobile.
    mobile_kind: Mapped[str] = mapped_column(String(10), default="none")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # The host portal's own id for this person, when the portal pushes its people through the API.
    external_id: Mapped[str | None] = mapped_column(String(100))

    tags: Mapped[list[Tag]] = relationship(secondary=person_tags, order_by=Tag.name)

    @property
    def mobile_ok(self) -> bool:
        """Say whether this person's number can receive an SMS."""
        return self.mobile_kind == "mobile"



# Where a selection was made: a browser tab's person list, an embed panel, a host portal's page, or the
# account's own one, used by a client that names no selection (a script, an older page).
SELECTION_LIST, SELECTION_PANEL, SELECTION_PORTAL, SELECTION_ACCOUNT = "list", "panel", "portal", "account"
SELECTION_ORIGINS = (SELECTION_LIST, SELECTION_PANEL, SELECTION_PORTAL, SELECTION_ACCOUNT)


class Selection(Base):
    """The people ticked in one window: a tab's person list, an embed panel, or a host portal's page.

    Each window has its own, so another tab or panel of the same account never replaces it. `version` goes up
    with every change: a recap names the version it counted, and Envoyer sends only if it is still the same.
    """

    __tablename__ = "selections"
    __table_args__ = (
        CheckConstraint("origin in ('list', 'panel', 'portal', 'account')", name="ck_selections_origin"),
        Index("ix_selections_account", "account_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    structure_id: Mapped[int] = mapped_column(ForeignKey("structures.id"))
    origin: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SelectionPerson(Base):
    """A person ticked in a selection.

    No foreign keys on purpose: « Tous les résultats » inserts tens of thousands of rows at once,
    and every read joins people of the selection's structure, so a stale row is never seen.
    """

    __tablename__ = "selection_people"

    selection_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
