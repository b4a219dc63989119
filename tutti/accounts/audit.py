"""The audit log: who changed what, and when; one row per change, None as actor is the command line."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tutti.models import (
    Account,
    AuditLog,
)
from tutti.paging import Page, paginate

CLI_ACTOR = "ligne de commande"


def audit(db: Session, structure_id: int | None, actor: Account | None, action: str, target: str = "",
          details: str = "") -> None:
    """Record who did what to which structure; None as actor is the command line."""
    db.add(AuditLog(structure_id=structure_id, actor_account_id=actor.id if actor else None,
                    actor_login=actor.login if actor else CLI_ACTOR, action=action, target=target[:200],
                    details=details))


def audit_page(db: Session, structure_id: int, requested: object, size: int) -> tuple[Page, list[AuditLog]]:
    """Return the page asked for of a structure's audit rows, newest first (empty past the last page)."""
    mine = AuditLog.structure_id == structure_id
    page = paginate(requested, db.scalar(select(func.count()).where(mine)) or 0, size, clamp=False)
    return page, list(db.scalars(select(AuditLog).where(mine).order_by(AuditLog.id.desc())
                                 .offset(page.offset).limit(page.size)))


def record_export(db: Session, actor: Account, count: int) -> None:
    """Write in the audit log that the account took the data of `count` people out (who, when, how many)."""
    audit(db, actor.structure_id, actor, "people.export", "personnes.csv",
          f"{count} personne{'s' if count > 1 else ''}")
    db.commit()
