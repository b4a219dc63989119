"""Structures: find one by id or name, create one (the option off, no credit)."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from tutti.accounts.audit import audit
from tutti.models import (
    Account,
    Structure,
)
from tutti.params import to_int
from tutti.refusals import Refusal, Refused


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
        raise Refused(Refusal("structure_name_length"))
    if db.scalar(select(exists().where(func.lower(Structure.name) == name.lower()))):
        raise Refused(Refusal("structure_name_taken", name=name))
    structure = Structure(name=name, sms_option=False, phone_region="FR", credit_balance=0)
    db.add(structure)
    db.flush()
    audit(db, structure.id, actor, "structure.create", name)
    db.commit()
    return structure
