"""Demo data: two structures, their people and their accounts, all with the password « tutti-demo »."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutti.accounts.passwords import hash_password
from tutti.directory.people import new_person
from tutti.models import (
    ACCOUNT_ADMIN,
    ACCOUNT_OPERATOR,
    ACCOUNT_PERSONAL,
    LEVEL_NONE,
    LEVEL_READ,
    LEVEL_WRITE,
    MODULE_PEOPLE,
    MODULE_SMS,
    Account,
    Person,
    Structure,
    Tag,
)
from tutti.sms import credit

DEMO_PASSWORD = "tutti-demo"

FIRST_F = ["Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Jade", "Louise", "Zoé", "Noémie", "Mélanie", "Agathe",
           "Élodie", "Clémence", "Anaïs", "Margaux", "Juliette", "Lucie", "Océane", "Hélène", "Sophie", "Aurélie",
           "Maëlle", "Éloïse", "Capucine", "Bérénice", "Françoise", "Gaëlle", "Isabelle", "Nathalie"]
FIRST_M = ["Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Raphaël", "Théo", "Maël", "Nathan", "Adrien",
           "Étienne", "Benoît", "François", "Jérôme", "Loïc", "Mathéo", "Noé", "Timothée", "Clément", "Aurélien",
           "Baptiste", "Cédric", "Grégoire", "Hervé", "Joël", "Olivier", "Pierre", "Rémi", "Sébastien"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
        "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
        "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Légaré",
        "Chevalier", "Gauthier", "Perrin", "Clément", "Morin", "Rousseau", "Blanc", "Guérin", "Boyer", "Gaillard",
        "Brunet", "Faure", "Rolland", "Lemaître", "Péron", "Hébert", "Besançon", "Noël", "Dumoulin"]
TAGS = ["Bureau", "Élève", "Musicien", "Parent", "Professeur", "Chorale", "Orchestre"]


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(["06", "06", "06", "07"])
    digits = f"{rng.randint(0, 99_999_999):08d}"
    if prefix == "07":  # 07 numbers are allocated from 07 50 on
        digits = f"{rng.randint(50, 89)}" + digits[2:]
    return f"{prefix} {digits[0:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}"


def _structure(db: Session, name: str, sender: str | None, initial_credit: int) -> Structure:
    structure = Structure(name=name, sms_option=True, sender_name=sender, phone_region="FR")
    db.add(structure)
    db.flush()
    credit.add(db, structure.id, initial_credit, kind=credit.INITIAL, label="Crédit initial")
    return structure


def _person(db: Session, structure: Structure, first: str, last: str, sexe: str, phone: str, tags: list[Tag]) -> Person:
    person = new_person(structure, first, last, phone, sexe, tags=tags)
    db.add(person)
    return person


def _people(db: Session, structure: Structure, count: int, rng: random.Random) -> list[Person]:
    tags = {name: Tag(structure_id=structure.id, name=name) for name in TAGS}
    db.add_all(tags.values())
    people = []
    family_phone = None
    for i in range(count):
        sexe = rng.choice("FM")
        first = rng.choice(FIRST_F if sexe == "F" else FIRST_M)
        last = rng.choice(LAST)
        roll = rng.random()
        if i % 37 == 5:
            phone = ""  # no mobile
        elif i % 41 == 7:
            pairs = " ".join(str(rng.randint(10, 99)) for _ in range(4))
            phone = f"0{rng.choice('12345')} {pairs}"  # a landline
        elif i % 53 == 11:
            phone = rng.choice(["06 12 34", "12345", "+33 6 00", "0612"])  # invalid
        elif i % 29 == 3 and family_phone:
            phone = family_phone  # siblings sharing a parent's mobile
        else:
            phone = _mobile(rng)
            family_phone = phone
        chosen = [tags["Élève"]] if roll < 0.55 else [tags["Musicien"]] if roll < 0.75 else [tags["Parent"]]
        if roll > 0.93:
            chosen.append(tags["Professeur"])
        if roll > 0.97:
            chosen.append(tags["Bureau"])
        if rng.random() < 0.2:
            chosen.append(tags[rng.choice(["Chorale", "Orchestre"])])
        people.append(_person(db, structure, first, last, sexe, phone, sorted(set(chosen), key=lambda t: t.name)))
    db.flush()
    return people


def _account(db: Session, structure: Structure | None, login: str, kind: str, person: Person | None = None,
             sms_level: int | None = None, people_level: int = LEVEL_NONE) -> Account:
    account = Account(
        structure_id=structure.id if structure else None, person_id=person.id if person else None,
        kind=kind, login=login, password_hash=hash_password(DEMO_PASSWORD),
    )
    if sms_level is not None:
        account.set_level(MODULE_SMS, sms_level)
    if people_level != LEVEL_NONE:
        account.set_level(MODULE_PEOPLE, people_level)
    db.add(account)
    return account


def seed_demo(db: Session) -> bool:
    """Fill an empty database with the demo structures; say whether anything was added."""
    if db.scalar(select(Structure.id).limit(1)) is not None:
        return False
    rng = random.Random(36608)
    school = _structure(db, "École de musique de Saint-Aubin", "EMSAUBIN", 228)
    people = _people(db, school, 300, rng)
    staff = [
        _person(db, school, "Sandrine", "Aubert", "F", "06 11 22 33 44", []),
        _person(db, school, "Paul", "Lemoine", "M", "06 55 66 77 88", []),
        _person(db, school, "Bénédicte", "Vasseur", "F", "", []),
    ]
    db.flush()
    _account(db, school, "admin", ACCOUNT_ADMIN)
    _account(db, school, "secretariat", ACCOUNT_PERSONAL, staff[0], LEVEL_WRITE, LEVEL_WRITE)
    _account(db, school, "professeur", ACCOUNT_PERSONAL, staff[1], LEVEL_READ)
    _account(db, school, "benevole", ACCOUNT_PERSONAL, staff[2], LEVEL_NONE)
    del people

    harmonie = _structure(db, "Harmonie de Valmont", "HVALMONT", 150)
    others = _people(db, harmonie, 40, rng)
    _account(db, harmonie, "valmont-admin", ACCOUNT_ADMIN)
    _account(db, harmonie, "valmont", ACCOUNT_PERSONAL, others[0], LEVEL_WRITE, LEVEL_WRITE)
    _account(db, None, "operateur", ACCOUNT_OPERATOR)
    db.commit()
    return True
