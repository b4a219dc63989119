"""The school the load benchmark works on: a structure, a few thousand people, credit and personal accounts."""

from __future__ import annotations

import random

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tutti.directory.people import fold
from tutti.models import ACCOUNT_PERSONAL, LEVEL_WRITE, MODULE_SMS, Account, OptOut, Person, Structure, Tag, person_tags
from tutti.sms import credit

FIRST_NAMES = ["Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Jade", "Louise", "Zoé", "Noémie", "Mélanie",
               "Élise", "Agathe", "Hugo", "Lucas", "Louis", "Nathan", "Gabriel", "Jules", "Arthur", "Raphaël",
               "Théo", "Noé", "Maël", "Antoine", "Benoît", "Clément", "Étienne", "François", "Grégoire"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
              "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
              "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel",
              "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine",
              "Chevalier", "Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire",
              "Duval", "Joly", "Gautier", "Roger", "Marchand", "Bérenger", "Rolland", "Leclerc"]
TAGS = ["Chorale", "Orchestre", "Piano", "Violon", "Guitare", "Solfège", "Parents d'élèves", "Professeurs"]
CREDIT = 10_000_000


def is_empty(db: Session) -> bool:
    """Say whether the database holds no structure yet."""
    return not db.scalar(select(func.count()).select_from(Structure))


def load(db: Session, people: int, logins: list[str], password_hash: str, seed: int = 36_608) -> int:
    """Create the school, its people (a few without a usable mobile), its credit and accounts; return its id."""
    rng = random.Random(seed)
    structure = Structure(name="École de musique des Tilleuls", sms_option=True, sender_name="TILLEULS")
    db.add(structure)
    db.flush()
    sid = structure.id
    credit.add(db, sid, CREDIT, kind=credit.INITIAL)
    tag_ids = list(db.execute(insert(Tag).returning(Tag.id), [{"structure_id": sid, "name": n} for n in TAGS])
                   .scalars())
    numbers = iter(rng.sample(range(10_000_000, 100_000_000), people))
    rows, opted_out, previous = [], [], None
    for i in range(people):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        e164 = None
        kind, raw = "none", ""
        draw = rng.random()
        if draw < 0.04:
            pass  # pas de mobile
        elif draw < 0.07:
            kind, raw, e164 = "landline", f"01 42 {i % 100:02d} {i // 100 % 100:02d} 00", f"+33142{i:06d}"
        elif draw < 0.09:
            kind, raw = "invalid", "06 12"
        elif draw < 0.15 and previous:
            kind, e164 = "mobile", previous  # a sibling: the same parent's mobile
        else:
            kind, e164 = "mobile", f"+33{rng.choice('67')}{next(numbers):08d}"
            previous = e164
            if rng.random() < 0.01:
                opted_out.append({"structure_id": sid, "phone": e164, "text": "STOP"})
        if kind == "mobile":
            raw = "0" + " ".join([e164[3], e164[4:6], e164[6:8], e164[8:10], e164[10:12]])
        rows.append({"structure_id": sid, "first_name": first, "last_name": last, "first_name_key": fold(first),
                     "last_name_key": fold(last), "sexe": rng.choice("FM"), "mobile_raw": raw,
                     "mobile_e164": e164, "mobile_kind": kind})
    db.execute(insert(Person), rows)
    person_ids = list(db.scalars(select(Person.id).where(Person.structure_id == sid).order_by(Person.id)))
    links = {(pid, rng.choice(tag_ids)) for pid in person_ids for _ in range(rng.choice((1, 1, 2)))}
    db.execute(insert(person_tags), [{"person_id": p, "tag_id": t} for p, t in sorted(links)])
    if opted_out:
        db.execute(insert(OptOut), list({row["phone"]: row for row in opted_out}.values()))
    for login in logins:
        account = Account(structure_id=sid, kind=ACCOUNT_PERSONAL, login=login, password_hash=password_hash)
        account.set_level(MODULE_SMS, LEVEL_WRITE)  # « Communication - SMS » : Lecture écriture
        db.add(account)
    db.commit()
    return sid
