"""Rights: an account's grid of modules and levels, changed with one audit row per change."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from tutti.accounts.accounts import check_levels, structure_account
from tutti.accounts.audit import audit
from tutti.models import (
    LEVELS,
    MODULES,
    Account,
)


def set_rights(db: Session, structure_id: int, account_id: int, levels: Mapping[str, object],
               actor: Account | None) -> list[str]:
    """Set a personal account's rights grid; return the changes, as shown in the audit log."""
    account = structure_account(db, structure_id, account_id)
    checked = check_levels(levels)
    changes = []
    for module, level in checked.items():
        before = account.level(module)
        if before != level:
            account.set_level(module, level)
            changes.append(f"{MODULES[module]} : {LEVELS[before]} → {LEVELS[level]}")
    if changes:
        audit(db, structure_id, actor, "rights.set", account.login, "; ".join(changes))
    db.commit()
    return changes
