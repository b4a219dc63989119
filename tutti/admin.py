"""Structure administration: structures, people, accounts, rights, one-time password links and the audit log.

Every verb is scoped to a structure (an id of another structure is not found, and nothing changes), refuses bad
input with a French message (`AdminError`) before writing anything, writes one audit row per change, and commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutti.directory.people import fold
from tutti.directory.phones import parse_mobile
from tutti.models import (
    ACCOUNT_ADMIN,
    ACCOUNT_OPERATOR,
    ACCOUNT_PERSONAL,
    LEVELS,
    MODULE_SMS,
    MODULES,
    Account,
    AuditLog,
    Campaign,
    OptOut,
    PasswordResetLink,
    Person,
    Structure,
    utcnow,
)
from tutti.params import to_int
from tutti.passwords import hash_password, policy_errors

LOGIN_RULE = re.compile(r"[a-z0-9._-]{3,40}")
LOGIN_POLICY = ("L'identifiant compte de 3 à 40 caractères : lettres minuscules sans accent, chiffres, "
                "point (.), tiret (-) ou tiret bas (_).")
RESET_LINK_TTL = timedelta(hours=48)
CLI_ACTOR = "ligne de commande"


class AdminError(Exception):
    """A change refused; the message is French and meant for the screen."""


class NotFound(AdminError):
    """The id names nothing in this structure."""

    def __init__(self, what: str = "Élément introuvable."):
        super().__init__(what)


class PasswordRejected(AdminError):
    """The new password breaks the policy; `errors` lists each rule it breaks."""

    def __init__(self, errors: list[str]):
        super().__init__(" ".join(errors))
        self.errors = errors


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


# Structures, people and accounts ----------------------------------------------------------------------------------

def find_structure(db: Session, ref: str) -> Structure | None:
    """Find a structure by its id or its exact name."""
    ref = ref.strip()
    structure_id = to_int(ref)
    if structure_id is not None:
        found = db.get(Structure, structure_id)
        if found is not None:
            return found
    return db.scalar(select(Structure).where(Structure.name == ref))


def create_structure(db: Session, name: str, actor: Account | None = None) -> Structure:
    """Create a structure without the SMS option and with no credit."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 200:
        raise AdminError("Le nom de la structure compte de 2 à 200 caractères.")
    if db.scalar(select(exists().where(func.lower(Structure.name) == name.lower()))):
        raise AdminError(f"Une structure s'appelle déjà « {name} ».")
    structure = Structure(name=name, sms_option=False, phone_region="FR", credit_balance=0)
    db.add(structure)
    db.flush()
    audit(db, structure.id, actor, "structure.create", name)
    db.commit()
    return structure


def create_person(db: Session, structure_id: int, first_name: str, last_name: str, mobile: str = "",
                  sexe: str = "") -> Person:
    """Add a person to a structure's list, with the mobile read in the structure's region."""
    structure = db.get(Structure, structure_id)
    if structure is None:
        raise NotFound("Structure introuvable.")
    first, last = first_name.strip(), last_name.strip()
    if not first or not last or len(first) > 100 or len(last) > 100:
        raise AdminError("Le prénom et le nom sont obligatoires (100 caractères au plus).")
    if sexe not in ("", "F", "M"):
        raise AdminError("Le sexe est « F », « M » ou laissé vide.")
    phone = parse_mobile(mobile, structure.phone_region)
    person = Person(structure_id=structure_id, first_name=first, last_name=last, first_name_key=fold(first),
                    last_name_key=fold(last), sexe=sexe, mobile_raw=phone.raw, mobile_e164=phone.e164,
                    mobile_kind=phone.kind)
    db.add(person)
    db.commit()
    return person


def structure_person(db: Session, structure_id: int, person_id: int) -> Person:
    """Return a person of the structure, or raise NotFound."""
    person = db.get(Person, person_id)
    if person is None or person.structure_id != structure_id:
        raise NotFound("Personne introuvable.")
    return person


def person_account(db: Session, person_id: int) -> Account | None:
    """Return the personal account of a person, if any."""
    return db.scalar(select(Account).where(Account.person_id == person_id))


def accounts_of(db: Session, person_ids: list[int]) -> dict[int, Account]:
    """Return the accounts of the given people, by person id."""
    if not person_ids:
        return {}
    return {a.person_id: a for a in db.scalars(select(Account).where(Account.person_id.in_(person_ids)))}


def _structure_account(db: Session, structure_id: int, account_id: int) -> Account:
    account = db.get(Account, account_id)
    if account is None or account.structure_id != structure_id or account.kind != ACCOUNT_PERSONAL:
        raise NotFound("Compte introuvable.")
    return account


def login_errors(db: Session, login: str) -> list[str]:
    """Return what is wrong with a new login, in French; empty when it can be used."""
    if not LOGIN_RULE.fullmatch(login or ""):
        return [LOGIN_POLICY]
    if db.scalar(select(exists().where(func.lower(Account.login) == login.lower()))):
        return [f"L'identifiant « {login} » est déjà utilisé : choisissez-en un autre."]
    return []


def suggest_login(db: Session, person: Person) -> str:
    """Suggest a free login built from the person's name (« prenom.nom »)."""
    base = re.sub(r"[^a-z0-9.-]+", "-", f"{fold(person.first_name)}.{fold(person.last_name)}").strip(".-")[:36]
    base = base if len(base) >= 3 else f"personne-{person.id}"
    login, n = base, 1
    while login_errors(db, login) and n < 100:
        n += 1
        login = f"{base}{n}"
    return login


def _new_account(db: Session, structure_id: int | None, kind: str, login: str, password: str | None,
                 person_id: int | None = None) -> Account:
    errors = login_errors(db, login)
    if password is not None:
        errors += policy_errors(password, login)
    if errors:
        raise PasswordRejected(errors)
    # Without a password the account gets an unguessable one: its person sets theirs through a reset link.
    account = Account(structure_id=structure_id, person_id=person_id, kind=kind, login=login,
                      password_hash=hash_password(password if password is not None else secrets.token_urlsafe(32)))
    db.add(account)
    try:
        db.flush()
    except IntegrityError as error:  # the same login or person, taken at the same moment by another request
        db.rollback()
        raise AdminError(f"L'identifiant « {login} » ou cette personne a déjà un compte.") from error
    return account


def create_personal_account(db: Session, structure_id: int, person_id: int, login: str, actor: Account | None,
                            password: str | None = None, sms_level: int = 0) -> Account:
    """Create the personal account of a person of the structure (« Créer un compte »)."""
    person = structure_person(db, structure_id, person_id)
    if person_account(db, person.id) is not None:
        raise AdminError(f"{person.first_name} {person.last_name} a déjà un compte.")
    _check_levels({MODULE_SMS: sms_level})
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
        raise NotFound("Structure introuvable.")
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
    account = _structure_account(db, structure_id, account_id)
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
    account = _structure_account(db, structure_id, account_id)
    authored = db.scalar(select(exists().where(Campaign.author_id == account.id)))
    authored = authored or db.scalar(select(exists().where(OptOut.removed_by_id == account.id)))
    if authored:
        raise AdminError("Ce compte est l'auteur d'envois SMS ou de modifications que l'historique doit garder : "
                         "il ne peut pas être supprimé. Désactivez-le plutôt.")
    login = account.login
    db.delete(account)
    audit(db, structure_id, actor, "account.delete", login)
    try:
        db.commit()
    except IntegrityError as error:  # a row this check does not know of still names the account
        db.rollback()
        raise AdminError("Ce compte est encore référencé par l'historique : il ne peut pas être supprimé. "
                         "Désactivez-le plutôt.") from error


def _check_levels(levels: Mapping[str, object]) -> dict[str, int]:
    unknown = [m for m in levels if m not in MODULES]
    if unknown:
        raise AdminError(f"Module de droits inconnu : « {unknown[0][:40]} ». Aucun droit n'a été modifié.")
    checked = {}
    for module, raw in levels.items():
        text = str(raw).strip()
        if text not in {str(level) for level in LEVELS}:
            raise AdminError(f"Niveau de droit invalide pour « {MODULES[module]} » : choisissez Aucun, Lecture ou "
                             "Lecture écriture. Aucun droit n'a été modifié.")
        checked[module] = int(text)
    return checked


def set_rights(db: Session, structure_id: int, account_id: int, levels: Mapping[str, object],
               actor: Account | None) -> list[str]:
    """Set a personal account's rights grid; return the changes, as shown in the audit log."""
    account = _structure_account(db, structure_id, account_id)
    checked = _check_levels(levels)
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


def record_export(db: Session, actor: Account, count: int) -> None:
    """Write in the audit log that the account took the data of `count` people out (who, when, how many)."""
    audit(db, actor.structure_id, actor, "people.export", "personnes.csv",
          f"{count} personne{'s' if count > 1 else ''}")
    db.commit()


# Password-reset links ---------------------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_reset_link(db: Session, structure_id: int, account_id: int, actor: Account | None,
                     now: datetime | None = None) -> str:
    """Return a new one-time token for the account; older unused links stop working."""
    now = now or utcnow()
    account = _structure_account(db, structure_id, account_id)
    if not account.active:
        raise AdminError("Ce compte est désactivé : réactivez-le avant de redéfinir son mot de passe.")
    db.execute(update(PasswordResetLink).where(PasswordResetLink.account_id == account.id,
                                               PasswordResetLink.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    db.add(PasswordResetLink(account_id=account.id, token_hash=_token_hash(token),
                             created_by=actor.id if actor else None, created_at=now, expires_at=now + RESET_LINK_TTL))
    audit(db, structure_id, actor, "account.reset_link", account.login)
    db.commit()
    return token


def _live_link(token: str, now: datetime):
    return select(PasswordResetLink).where(
        PasswordResetLink.token_hash == _token_hash(token), PasswordResetLink.used_at.is_(None),
        PasswordResetLink.expires_at > now)


def reset_link_account(db: Session, token: str, now: datetime | None = None) -> Account | None:
    """Return the account a reset token opens, or None when it is unknown, used, replaced or expired."""
    link = db.scalar(_live_link(token or "", now or utcnow()))
    account = db.get(Account, link.account_id) if link else None
    return account if account is not None and account.active else None


def consume_reset_link(db: Session, token: str, password: str, now: datetime | None = None) -> Account:
    """Set the account's password through its one-time link, and end the account's open sessions."""
    now = now or utcnow()
    link = db.scalar(_live_link(token or "", now))
    account = db.get(Account, link.account_id) if link else None
    if account is None or not account.active:
        raise AdminError("Ce lien n'est plus valable : il a déjà servi, a expiré ou a été remplacé. "
                         "Demandez un nouveau lien à l'administrateur de votre structure.")
    errors = policy_errors(password, account.login)
    if errors:
        raise PasswordRejected(errors)
    used = db.execute(update(PasswordResetLink).where(PasswordResetLink.id == link.id,
                                                      PasswordResetLink.used_at.is_(None)).values(used_at=now))
    if used.rowcount != 1:  # the same link, submitted twice at once
        db.rollback()
        raise AdminError("Ce lien vient d'être utilisé : il ne sert qu'une fois.")
    db.execute(update(Account).where(Account.id == account.id).values(
        password_hash=hash_password(password), session_version=Account.session_version + 1))
    audit(db, account.structure_id, account, "account.password_set", account.login)
    db.commit()
    db.refresh(account)
    return account
