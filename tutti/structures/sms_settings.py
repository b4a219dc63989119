"""A structure's SMS settings and its SMS option: sender name, region, threshold, window policy; on or off.

Like `tutti.accounts`: scoped to a structure, refusals before any write, one audit row per change, commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutti import window
from tutti.accounts.audit import audit
from tutti.directory.people import set_mobile
from tutti.models import (
    Account,
    Person,
    Structure,
)
from tutti.refusals import NotFound, Refusal, refuse_if

# SMS.md: what operators accept as an originator (sender_name_ok: the settings, the web form and the send gate).
SENDER_NAME_RULE = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{3,11}")
SENDER_NAME_INVALID = Refusal("sender_name_invalid")  # the rule above, with an example (« EMSAUBIN »)
WINDOW_POLICIES = window.POLICIES  # "warn" or "schedule": what the recap offers outside the sending window
MAX_THRESHOLD = 1_000_000


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


def sender_name_ok(name: str | None) -> bool:
    """Say whether operators accept this sender name: 3 to 11 unaccented letters and digits, a letter among them."""
    return bool(name) and SENDER_NAME_RULE.fullmatch(name) is not None


def sender_name_refusals(name: str | None) -> list[Refusal]:
    """Return what is wrong with a sender name (SMS.md)."""
    return [] if sender_name_ok(name) else [SENDER_NAME_INVALID]


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
        raise NotFound("structure_not_found")
    refusals = sender_name_refusals(settings.sender_name)
    if settings.phone_region not in phonenumbers.SUPPORTED_REGIONS:
        refusals.append(Refusal("region_unknown"))
    if settings.window_policy not in WINDOW_POLICIES:
        refusals.append(Refusal("window_policy_unknown"))
    if not 0 <= settings.low_credit_threshold <= MAX_THRESHOLD:
        refusals.append(Refusal("threshold_out_of_range", max=MAX_THRESHOLD))
    refuse_if(refusals)
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
        set_mobile(person, person.mobile_raw, structure.phone_region)
        count += 1
    return count


def set_sms_option(db: Session, structure_id: int, enabled: bool, actor: Account | None) -> bool:
    """Turn the structure's SMS option on or off; say whether it changed."""
    if db.get(Structure, structure_id) is None:
        raise NotFound("structure_not_found")
    changed = db.execute(update(Structure).where(Structure.id == structure_id, Structure.sms_option != enabled)
                         .values(sms_option=enabled)).rowcount
    if changed:
        audit(db, structure_id, actor, "sms.option_on" if enabled else "sms.option_off")
    db.commit()
    return bool(changed)
