"""The audit log: who changed what, and when; one row per change, None as actor is the command line."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutti.models import (
    Account,
    AuditLog,
)

CLI_ACTOR = "ligne de commande"


def audit(db: Session, structure_id: int | None, actor: Account | None, action: str, target: str = "",
          details: str = "") -> None:
    """Record who did what to which structure; None as actor is the command line."""
    db.add(AuditLog(structure_id=structure_id, actor_account_id=actor.id if actor else None,
                    actor_login=actor.login if actor else CLI_ACTOR, action=action, target=target[:200],
                    details=details))


def audit_entries(db: Session, structure_id: int, limit: int, offset: int = 0) -> list[AuditLog]:
    """Return a structure's audit rows, newest first."""
    return list(db.scalars(select(AuditLog).where(AuditLog.structure_id == structure_id)
                           .order_by(AuditLog.id.desc()).offset(offset).limit(limit)))


def record_export(db: Session, actor: Account, count: int) -> None:
    """Write in the audit log that the account took the data of `count` people out (who, when, how many)."""
    audit(db, actor.structure_id, actor, "people.export", "personnes.csv",
          f"{count} personne{'s' if count > 1 else ''}")
    db.commit()
