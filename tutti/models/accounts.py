"""Logins and what they may do: accounts, their rights grid, the audit log, password-reset links."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tutti.models.base import Base, utcnow
from tutti.models.directory import Person
from tutti.models.structures import Structure

# Rights: modules are lines of the rights grid, levels its columns.
MODULE_SMS = "communication_sms"
# The people of the structure: reading their data out (the export), and with « Lecture écriture » editing them.
MODULE_PEOPLE = "personnes"
MODULES = {MODULE_SMS: "Communication - SMS", MODULE_PEOPLE: "Personnes"}
LEVEL_NONE, LEVEL_READ, LEVEL_WRITE = 0, 1, 2
LEVELS = {LEVEL_NONE: "Aucun", LEVEL_READ: "Lecture", LEVEL_WRITE: "Lecture écriture"}

ACCOUNT_ADMIN, ACCOUNT_PERSONAL, ACCOUNT_OPERATOR = "admin", "personal", "operator"

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
