"""`flask --app examples.flask_portal init-demo`: the portal's tables, Tutti's tables, and a small demo school."""

from __future__ import annotations

import click
from flask import Flask

from examples.flask_portal.models import User, db
from tutti.directory.people import fold
from tutti.directory.phones import parse_mobile
from tutti.models import (
    ACCOUNT_ADMIN,
    ACCOUNT_PERSONAL,
    LEVEL_READ,
    LEVEL_WRITE,
    MODULE_SMS,
    Account,
    Person,
    Structure,
    create_all,
)
from tutti.sms import credit

PASSWORD = "portail-demo"
PEOPLE = [("Alice", "Martin", "06 12 34 56 01"), ("Bruno", "Martin", "06 12 34 56 01"),
          ("Chloé", "Petit", ""), ("Gaston", "Vidal", "07 55 44 33 22")]
# email → (name, Tutti account kind, level on « Communication - SMS »); None: no Tutti account.
USERS = {"secretariat@ecole.example": ("Secrétariat", ACCOUNT_PERSONAL, LEVEL_WRITE),
         "professeur@ecole.example": ("Professeur", ACCOUNT_PERSONAL, LEVEL_READ),
         "direction@ecole.example": ("Direction", ACCOUNT_ADMIN, None),
         "stagiaire@ecole.example": ("Stagiaire", None, None)}


def person(structure_id: int, first: str, last: str, phone: str) -> Person:
    """Build a Tutti person with its number parsed the way Tutti parses it."""
    parsed = parse_mobile(phone, "FR")
    return Person(structure_id=structure_id, first_name=first, last_name=last, first_name_key=fold(first),
                  last_name_key=fold(last), mobile_raw=parsed.raw, mobile_e164=parsed.e164, mobile_kind=parsed.kind)


def init_demo(sms: int = 100) -> dict[str, int]:
    """Create both schemas and the demo school; return the portal users' ids by email."""
    db.create_all()  # the portal's own tables
    create_all(db.engine)  # Tutti's tables, in the portal's database
    school = Structure(name="École de musique du Portail", sms_option=True, sender_name="PORTAIL")
    db.session.add(school)
    db.session.flush()
    credit.add(db.session, school.id, sms, kind=credit.INITIAL)
    db.session.add_all([person(school.id, *row) for row in PEOPLE])
    ids = {}
    for email, (name, kind, level) in USERS.items():
        user = User(email=email, name=name)
        user.set_password(PASSWORD)
        if kind is not None:
            account = Account(structure_id=school.id, kind=kind, login="portail-" + email.split("@")[0],
                              password_hash="!")  # never used to log in: the portal logs people in
            if level is not None:
                account.set_level(MODULE_SMS, level)
            db.session.add(account)
            db.session.flush()
            user.tutti_account_id = account.id
        db.session.add(user)
        db.session.flush()
        ids[email] = user.id
    db.session.commit()
    return ids


def register(app: Flask) -> None:
    """Add the portal's commands."""

    @app.cli.command("init-demo")
    def init_demo_command() -> None:
        """Create the tables and a demo school (password of every demo user: portail-demo)."""
        init_demo()
        click.echo(f"Demo school ready; users {', '.join(USERS)} (password {PASSWORD}).")
