"""Accounts: a person's account, the structure's administrator account, operators; logins, enabling, deleting.

Every verb is scoped to a structure (an id of another structure is not found, and nothing changes), refuses bad
input (`Refused`, with a code per reason) before writing anything, writes one audit row per change, and commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutti.accounts.audit import audit
from tutti.accounts.passwords import PasswordRejected, hash_password, password_refusals
from tutti.directory.people import fold, structure_person
from tutti.models import (
    ACCOUNT_ADMIN,
    ACCOUNT_OPERATOR,
    ACCOUNT_PERSONAL,
    LEVELS,
    MODULE_SMS,
    MODULES,
    Account,
    Campaign,
    OptOut,
    Person,
    Structure,
)
from tutti.refusals import NotFound, Refusal, Refused

LOGIN_RULE = re.compile(r"[a-z0-9._-]{3,40}")
LOGIN_INVALID = Refusal("login_invalid")  # 3 to 40 characters: a-z, digits, dot, hyphen, underscore


def person_account(db: Session, person_id: int) -> Account | None:
    """Return the personal account of a person, if any."""
    return db.scalar(select(Account).where(Account.person_id == person_id))


def accounts_of(db: Session, person_ids: list[int]) -> dict[int, Account]:
    """Return the accounts of the given people, by person id."""
    if not person_ids:
        return {}
    return {a.person_id: a for a in db.scalars(select(Account).where(Account.person_id.in_(person_ids)))}


def structure_account(db: Session, structure_id: int, account_id: int) -> Account:
    account = db.get(Account, account_id)
    if account is None or account.structure_id != structure_id or account.kind != ACCOUNT_PERSONAL:
        raise NotFound("account_not_found")
    return account


def login_refusals(db: Session, login: str) -> list[Refusal]:
    """Return what is wrong with a new login; empty when it can be used."""
    if not LOGIN_RULE.fullmatch(login or ""):
        return [LOGIN_INVALID]
    if db.scalar(select(exists().where(func.lower(Account.login) == login.lower()))):
        return [Refusal("login_taken", login=login)]
    return []


def suggest_login(db: Session, person: Person) -> str:
    """Suggest a free login built from the person's name (« prenom.nom »)."""
    base = re.sub(r"[^a-z0-9.-]+", "-", f"{fold(person.first_name)}.{fold(person.last_name)}").strip(".-")[:36]
    base = base if len(base) >= 3 else f"personne-{person.id}"
    login, n = base, 1
    while login_refusals(db, login) and n < 100:
        n += 1
        login = f"{base}{n}"
    return login


def _new_account(db: Session, structure_id: int | None, kind: str, login: str, password: str | None,
                 person_id: int | None = None) -> Account:
    refusals = login_refusals(db, login)
    if password is not None:
        refusals += password_refusals(password, login)
    if refusals:
        raise PasswordRejected(*refusals)
    # Without a password the account gets an unguessable one: its person sets theirs through a reset link.
    account = Account(structure_id=structure_id, person_id=person_id, kind=kind, login=login,
                      password_hash=hash_password(password if password is not None else secrets.token_urlsafe(32)))
    db.add(account)
    try:
        db.flush()
    except IntegrityError as error:  # the same login or person, taken at the same moment by another request
        db.rollback()
        raise Refused(Refusal("login_or_person_taken", login=login)) from error
    return account


def create_personal_account(db: Session, structure_id: int, person_id: int, login: str, actor: Account | None,
                            password: str | None = None, sms_level: int = 0) -> Account:
    """Create the personal account of a person of the structure (« Créer un compte »)."""
    person = structure_person(db, structure_id, person_id)
    if person_account(db, person.id) is not None:
        raise Refused(Refusal("person_has_account", name=f"{person.first_name} {person.last_name}"))
    check_levels({MODULE_SMS: sms_level})
    account = _new_account(db, structure_id, ACCOUNT_PERSONAL, login, password, person.id)
    account.set_level(MODULE_SMS, int(sms_level))  # every other line of the grid starts at « Aucun »
    audit(db, structure_id, actor, "account.create", f"{person.first_name} {person.last_name} ({login})",
          ", ".join(f"{MODULES[m]} : {LEVELS[account.level(m)]}" for m in MODULES))
    db.commit()
    return account


def create_admin_account(db: Session, structure_id: int, login: str, password: str,
                         actor: Account | None = None) -> Account:
    """Create a structure's shared administrator account."""
    if db.get(Structure, structure_id) is None:
        raise NotFound("structure_not_found")
    account = _new_account(db, structure_id, ACCOUNT_ADMIN, login, password)
    audit(db, structure_id, actor, "account.create_admin", login)
    db.commit()
    return account


def create_operator_account(db: Session, login: str, password: str) -> Account:
    """Create a platform operator's account (no structure)."""
    account = _new_account(db, None, ACCOUNT_OPERATOR, login, password)
    audit(db, None, None, "account.create_operator", login)
    db.commit()
    return account


def set_active(db: Session, structure_id: int, account_id: int, active: bool, actor: Account | None) -> bool:
    """Enable or disable a personal account; disabling ends its open sessions. Say whether it changed."""
    account = structure_account(db, structure_id, account_id)
    if account.active == active:
        return False
    values = {"active": active}
    if not active:
        values["session_version"] = Account.session_version + 1
    db.execute(update(Account).where(Account.id == account.id).values(**values))
    audit(db, structure_id, actor, "account.enable" if active else "account.disable", account.login)
    db.commit()
    db.refresh(account)
    return True


def delete_account(db: Session, structure_id: int, account_id: int, actor: Account | None) -> None:
    """Delete a personal account that has no history to keep; an author of sends can only be disabled."""
    account = structure_account(db, structure_id, account_id)
    authored = db.scalar(select(exists().where(Campaign.author_id == account.id)))
    authored = authored or db.scalar(select(exists().where(OptOut.removed_by_id == account.id)))
    if authored:
        raise Refused(Refusal("account_has_history"))
    login = account.login
    db.delete(account)
    audit(db, structure_id, actor, "account.delete", login)
    try:
        db.commit()
    except IntegrityError as error:  # a row this check does not know of still names the account
        db.rollback()
        raise Refused(Refusal("account_still_referenced")) from error


def check_levels(levels: Mapping[str, object]) -> dict[str, int]:
    """Return the levels as numbers, or refuse the whole grid: a module unknown, a level not offered."""
    unknown = [m for m in levels if m not in MODULES]
    if unknown:
        raise Refused(Refusal("rights_module_unknown", name=unknown[0][:40]))
    checked = {}
    for module, raw in levels.items():
        text = str(raw).strip()
        if text not in {str(level) for level in LEVELS}:
            raise Refused(Refusal("rights_level_invalid", module=module))
        checked[module] = int(text)
    return checked
