"""A structure's SMS administration: settings, the option, credit orders and contact requests.

Like `tutti.accounts`: scoped to a structure, French refusals before any write, one audit row per change, commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti import credit, window
from tutti.accounts.audit import audit
from tutti.accounts.errors import AdminError, NotFound
from tutti.directory.phones import parse_mobile
from tutti.models import (
    ORDER_APPROVED,
    ORDER_PENDING,
    ORDER_REJECTED,
    Account,
    ContactRequest,
    CreditOrder,
    Person,
    Structure,
    utcnow,
)

# SMS.md: what operators accept as an originator. The web form also checks blueprints.sms.gates.sender_name_ok.
SENDER_NAME_RULE = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{3,11}")
SENDER_NAME_POLICY = ("Le nom d'expéditeur compte de 3 à 11 caractères, lettres sans accent et chiffres uniquement, "
                      "sans espace, avec au moins une lettre (par exemple « EMSAUBIN »).")
WINDOW_POLICIES = window.POLICIES  # "warn" or "schedule": what the recap offers outside the sending window
MAX_THRESHOLD = 1_000_000
PACKS = (100, 500, 1000, 5000)
CONTACT_SUBJECTS = {"option": "Souscrire à l'option SMS", "credit": "Crédit SMS", "other": "Autre question"}
MAX_CONTACT_CHARS = 2000


def region_name(code: str) -> str:
    """Return a region's French name (« France »), from the data phonenumbers ships."""
    # Imported here: the geodata weighs ~100 MB and seconds of import, needed only by the settings page.
    from phonenumbers.geodata.locale import LOCALE_DATA

    names = LOCALE_DATA.get(code, {})
    name = names.get("fr") or names.get("en") or code
    if name.startswith("*"):  # the data points to another language's identical spelling
        name = names.get(name[1:], code)
    return name


def regions() -> list[tuple[str, str]]:
    """Return the regions phonenumbers can parse, as (ISO code, French name), France first."""
    others = sorted((c for c in phonenumbers.SUPPORTED_REGIONS if c != "FR"), key=region_name)
    return [(c, f"{region_name(c)} ({c})") for c in ["FR", *others]]


def sender_name_errors(name: str | None) -> list[str]:
    """Return what is wrong with a sender name (SMS.md), in French."""
    return [] if name and SENDER_NAME_RULE.fullmatch(name) else [SENDER_NAME_POLICY]


@dataclass(frozen=True)
class SmsSettings:
    """What « Configuration des envois SMS » sets."""

    sender_name: str
    phone_region: str
    window_policy: str
    low_credit_threshold: int


def configure_sms(db: Session, structure_id: int, settings: SmsSettings, actor: Account | None) -> list[str]:
    """Save the structure's SMS settings; return the changes (a new region re-reads every mobile)."""
    structure = db.get(Structure, structure_id)
    if structure is None:
        raise NotFound("Structure introuvable.")
    errors = sender_name_errors(settings.sender_name)
    if settings.phone_region not in phonenumbers.SUPPORTED_REGIONS:
        errors.append("Choisissez un pays dans la liste.")
    if settings.window_policy not in WINDOW_POLICIES:
        errors.append("Choisissez l'une des deux façons de traiter un envoi hors des horaires conseillés.")
    if not 0 <= settings.low_credit_threshold <= MAX_THRESHOLD:
        errors.append(f"Le seuil d'alerte est un nombre de SMS entre 0 et {MAX_THRESHOLD:,}.".replace(",", "\u00a0"))
    if errors:
        raise AdminError(" ".join(errors))
    changes = []
    for field, label in (("sender_name", "Nom d'expéditeur"), ("phone_region", "Pays des numéros"),
                         ("window_policy", "Envois hors horaires"), ("low_credit_threshold", "Seuil d'alerte")):
        before, after = getattr(structure, field), getattr(settings, field)
        if before != after:
            setattr(structure, field, after)
            changes.append(f"{label} : {before if before is not None else '—'} → {after}")
    if any(c.startswith("Pays") for c in changes):
        changes.append(f"{_reread_mobiles(db, structure)} numéros relus")
    if changes:
        audit(db, structure_id, actor, "sms.settings", structure.name, "; ".join(changes))
    db.commit()
    return changes


def _reread_mobiles(db: Session, structure: Structure) -> int:
    """Read every mobile of the structure again in its (new) region: « 06 … » means something else in Belgium."""
    count = 0
    for person in db.scalars(select(Person).where(Person.structure_id == structure.id, Person.mobile_raw != "")):
        phone = parse_mobile(person.mobile_raw, structure.phone_region)
        person.mobile_e164, person.mobile_kind = phone.e164, phone.kind
        count += 1
    return count


def set_sms_option(db: Session, structure_id: int, enabled: bool, actor: Account | None) -> bool:
    """Turn the structure's SMS option on or off; say whether it changed."""
    if db.get(Structure, structure_id) is None:
        raise NotFound("Structure introuvable.")
    changed = db.execute(update(Structure).where(Structure.id == structure_id, Structure.sms_option != enabled)
                         .values(sms_option=enabled)).rowcount
    if changed:
        audit(db, structure_id, actor, "sms.option_on" if enabled else "sms.option_off")
    db.commit()
    return bool(changed)


def order_credit(db: Session, structure_id: int, sms: int, actor: Account | None) -> CreditOrder:
    """Order a pack of SMS: a pending order the operator approves or rejects."""
    structure = db.get(Structure, structure_id)
    if structure is None:
        raise NotFound("Structure introuvable.")
    if sms not in PACKS:
        raise AdminError("Choisissez l'un des packs proposés : 100, 500, 1 000 ou 5 000 SMS.")
    if not structure.sms_option:
        raise AdminError("Votre structure n'a pas souscrit à l'option SMS : souscrivez-la avant de commander du "
                         "crédit.")
    order = CreditOrder(structure_id=structure_id, sms=sms, status=ORDER_PENDING,
                        created_by=actor.id if actor else None)
    db.add(order)
    db.flush()
    audit(db, structure_id, actor, "credit.order", f"Commande n° {order.id}", f"{sms} SMS")
    db.commit()
    return order


def structure_orders(db: Session, structure_id: int, limit: int = 50) -> list[CreditOrder]:
    """Return a structure's orders, newest first."""
    return list(db.scalars(select(CreditOrder).where(CreditOrder.structure_id == structure_id)
                           .order_by(CreditOrder.id.desc()).limit(limit)))


def decide_order(db: Session, order_id: int, approve: bool, actor: Account | None) -> bool:
    """Approve (top up the ledger) or reject a pending order, once: False when it was already decided.

    Only the platform operator decides (the command line, or an operator account): the guarded UPDATE on the
    pending status is what makes a second approval, even a concurrent one, top up nothing.
    """
    if actor is not None and not actor.is_operator:
        raise AdminError("Seul l'opérateur de la plateforme valide ou refuse les commandes de crédit.")
    order = db.get(CreditOrder, order_id)
    if order is None:
        raise NotFound("Commande introuvable.")
    status = ORDER_APPROVED if approve else ORDER_REJECTED
    decided = db.execute(update(CreditOrder).where(CreditOrder.id == order_id, CreditOrder.status == ORDER_PENDING)
                         .values(status=status, decided_by=actor.id if actor else None, decided_at=utcnow())).rowcount
    if decided != 1:
        db.rollback()
        return False
    if approve:
        credit.add(db, order.structure_id, order.sms, kind=credit.TOPUP, label=f"Commande n° {order.id}")
    audit(db, order.structure_id, actor, "credit.approve" if approve else "credit.reject",
          f"Commande n° {order.id}", f"{order.sms} SMS")
    db.commit()
    db.refresh(order)
    return True


def pending_orders(db: Session) -> list[CreditOrder]:
    """Return every pending order, oldest first (the operator's queue)."""
    return list(db.scalars(select(CreditOrder).where(CreditOrder.status == ORDER_PENDING).order_by(CreditOrder.id)))


def send_contact_request(db: Session, structure_id: int, actor: Account, subject: str, reply_to: str,
                         message: str) -> ContactRequest:
    """Keep a structure's message for the platform operator."""
    message = message.strip()
    if subject not in CONTACT_SUBJECTS:
        raise AdminError("Choisissez l'objet de votre demande dans la liste.")
    if not message or len(message) > MAX_CONTACT_CHARS:
        raise AdminError(f"Écrivez votre message ({MAX_CONTACT_CHARS} caractères au plus).")
    if db.get(Structure, structure_id) is None:
        raise NotFound("Structure introuvable.")
    request = ContactRequest(structure_id=structure_id, account_id=actor.id, author_login=actor.login,
                             subject=subject, reply_to=reply_to.strip()[:200], message=message)
    db.add(request)
    db.flush()
    audit(db, structure_id, actor, "contact.send", f"Demande n° {request.id}", CONTACT_SUBJECTS[subject])
    db.commit()
    return request


def structure_contact_requests(db: Session, structure_id: int, limit: int = 20) -> list[ContactRequest]:
    """Return a structure's latest contact requests, newest first."""
    return list(db.scalars(select(ContactRequest).where(ContactRequest.structure_id == structure_id)
                           .order_by(ContactRequest.id.desc()).limit(limit)))


def open_contact_requests(db: Session, limit: int = 200) -> list[ContactRequest]:
    """Return the contact requests the operator has not handled yet, oldest first."""
    return list(db.scalars(select(ContactRequest).where(ContactRequest.handled_at.is_(None))
                           .order_by(ContactRequest.id).limit(limit)))


def mark_contact_handled(db: Session, request_id: int, actor: Account | None) -> bool:
    """Mark a contact request as handled; False when it already was."""
    request = db.get(ContactRequest, request_id)
    if request is None:
        raise NotFound("Demande introuvable.")
    done = db.execute(update(ContactRequest).where(ContactRequest.id == request_id,
                                                   ContactRequest.handled_at.is_(None))
                      .values(handled_at=utcnow(), handled_by=actor.id if actor else None)).rowcount
    if done:
        audit(db, request.structure_id, actor, "contact.handled", f"Demande n° {request_id}")
    db.commit()
    return bool(done)
