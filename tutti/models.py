"""Tutti's tables, declared on a plain SQLAlchemy base so the domain runs without Flask."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The declarative base every Tutti model shares."""

    # Named constraints, so that a migration can drop or alter them (SQLite's batch mode needs the names).
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


# Rights: modules are lines of the rights grid, levels its columns.
MODULE_SMS = "communication_sms"
# The people of the structure: reading their data out (the export), and with « Lecture écriture » editing them.
MODULE_PEOPLE = "personnes"
MODULES = {MODULE_SMS: "Communication - SMS", MODULE_PEOPLE: "Personnes"}
LEVEL_NONE, LEVEL_READ, LEVEL_WRITE = 0, 1, 2
LEVELS = {LEVEL_NONE: "Aucun", LEVEL_READ: "Lecture", LEVEL_WRITE: "Lecture écriture"}

ACCOUNT_ADMIN, ACCOUNT_PERSONAL, ACCOUNT_OPERATOR = "admin", "personal", "operator"


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
    # One of tutti.phones' kinds: none, invalid, landline, mobile.
    mobile_kind: Mapped[str] = mapped_column(String(10), default="none")
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # The host portal's own id for this person, when the portal pushes its people through the API.
    external_id: Mapped[str | None] = mapped_column(String(100))

    tags: Mapped[list[Tag]] = relationship(secondary=person_tags, order_by=Tag.name)

    @property
    def mobile_ok(self) -> bool:
        """Say whether this person's number can receive an SMS."""
        return self.mobile_kind == "mobile"


class Account(Base):
    """A login: the structure's administrator account, a personal account, or a platform operator."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structures.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    login: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped when the password changes or the account is disabled: it ends every open session.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    structure: Mapped[Structure | None] = relationship()
    person: Mapped[Person | None] = relationship()
    rights: Mapped[list[Right]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # What Flask-Login asks of a user object, without importing Flask into the domain.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """Say whether this account may log in."""
        return self.active

    def get_id(self) -> str:
        """Return the id kept in the session: a password change or a disable ends older sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        """Say whether this is the structure's shared administrator account."""
        return self.kind == ACCOUNT_ADMIN

    @property
    def is_operator(self) -> bool:
        """Say whether this account belongs to the platform operator."""
        return self.kind == ACCOUNT_OPERATOR

    def level(self, module: str) -> int:
        """Return this account's level on a module of the rights grid."""
        if self.is_admin:
            return LEVEL_WRITE
        return max((r.level for r in self.rights if r.module == module), default=LEVEL_NONE)

    def set_level(self, module: str, level: int) -> None:
        """Set this account's level on a module."""
        for right in self.rights:
            if right.module == module:
                right.level = level
                return
        self.rights.append(Right(module=module, level=level))


class Right(Base):
    """One line of an account's rights grid."""

    __tablename__ = "rights"
    __table_args__ = (
        UniqueConstraint("account_id", "module"),
        CheckConstraint("level in (0, 1, 2)", name="ck_rights_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    module: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer, default=LEVEL_NONE)


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
