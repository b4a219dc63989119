"""A world for the access, XSS and hostile-input tests: two structures, one account per kind of visitor, SMS data.

It extends the administration world (`admin_world.build_world`: accounts, rights, credit orders, a contact request, a
one-time link) with what the SMS pages show: sender names, credit, tags, a campaign and its outbox, an opt-out in each
structure, and selections that reach across structures (no foreign key stops a stale row; every read must).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tests import admin_world
from tests.admin_world import PASSWORD
from tutti.accounts import accounts
from tutti.directory import selections
from tutti.models import Account, Message, OptOut, OutboxEntry, Person, SelectionPerson, Structure, Tag, metadata
from tutti.sms import campaigns, cost, credit

# Every kind of visitor, in the order the matrix lists its expectations.
ROLES = ("anonymous", "admin", "none", "read", "write", "other_admin", "other_write", "operator")
SCHOOL_ROLES = ("admin", "none", "read", "write")
BAND_ROLES = ("other_admin", "other_write")

# Words only the school's data holds, and words only the band's data holds: a page shown to one structure's
# account must carry none of the other's.
SCHOOL_MARKERS = ("Aubin", "Théo", "Inès", "Éloïse", "11 11 11 11", "+33611111111", "Zqrepet")
BAND_MARKERS = ("Valmont", "Hervé", "77 77 77 77", "+33677777777", "compte-b", "Zqconcert")


@dataclass
class AccessWorld(admin_world.World):
    """Ids of the administration world, plus the SMS data of both structures."""

    accounts: dict[str, int] = field(default_factory=dict)
    campaign: int = 0
    band_campaign: int = 0
    optout: int = 0
    band_optout: int = 0
    tag: int = 0
    band_tag: int = 0


def _campaign(db: Session, structure_id: int, account_id: int, text: str) -> int:
    """Record a campaign of the account's selection the way Envoyer does, and its outbox lines."""
    structure = db.get(Structure, structure_id)
    selection_id = selections.of_account(db, account_id)
    quote = cost.quote(db, structure_id, selection_id, text)
    made = campaigns.create(db, structure, account_id, uuid.uuid4().hex, text, quote, "outbox",
                            selection_id=selection_id)
    for message in db.scalars(select(Message).where(Message.campaign_id == made.campaign_id)):
        db.add(OutboxEntry(structure_id=structure_id, message_id=message.id, sender=structure.sender_name,
                           phone=message.phone, text=text, encoding="GSM-7", parts=message.parts))
    db.commit()
    return made.campaign_id


def build_access_world(db: Session) -> AccessWorld:
    """Create both structures with their accounts, people, tags, credit, campaigns, opt-outs and selections."""
    base = admin_world.build_world(db)
    w = AccessWorld(**vars(base))
    band_account = accounts.create_personal_account(db, w.band, w.band_person, "compte-b", None, password=PASSWORD,
                                                 sms_level=2)
    w.logins["other_write"] = band_account.login
    for structure_id, sender in ((w.school, "AUBIN"), (w.band, "VALMONT")):
        db.get(Structure, structure_id).sender_name = sender
        credit.add(db, structure_id, 500, kind=credit.INITIAL)
    school_tag, band_tag = Tag(structure_id=w.school, name="Élèves"), Tag(structure_id=w.band, name="Cuivres")
    db.add_all([school_tag, band_tag])
    db.flush()
    w.tag, w.band_tag = school_tag.id, band_tag.id
    target, band_person = db.get(Person, w.people["target"]), db.get(Person, w.band_person)
    target.tags.append(school_tag)
    band_person.tags.append(band_tag)
    db.commit()
    w.accounts = {role: db.scalar(select(Account.id).where(Account.login == login))
                  for role, login in w.logins.items()}
    school_ids = list(w.people.values())
    selections.tick(db, selections.of_account(db, w.accounts["write"]), w.school, school_ids, True)
    selections.tick(db, selections.of_account(db, w.accounts["other_write"]), w.band, [w.band_person], True)
    db.commit()
    w.campaign = _campaign(db, w.school, w.accounts["write"], "Répétition Zqrepet samedi")
    w.band_campaign = _campaign(db, w.band, w.accounts["other_write"], "Concert Zqconcert dimanche")
    school_optout = OptOut(structure_id=w.school, phone="+33655555555", text="STOP")
    band_optout = OptOut(structure_id=w.band, phone="+33677777777", text="STOP")
    db.add_all([school_optout, band_optout])
    db.flush()
    w.optout, w.band_optout = school_optout.id, band_optout.id
    _cross_selections(db, w, school_ids)
    db.commit()
    return w


def _cross_selections(db: Session, w: AccessWorld, school_ids: list[int]) -> None:
    """Give every account rows pointing at people of both structures, as a stale or forged selection would."""
    everyone = [*school_ids, w.band_person]
    own = {account_id: selections.of_account(db, account_id) for account_id in w.accounts.values()
           if db.get(Account, account_id).structure_id is not None}
    rows = [{"selection_id": selection_id, "person_id": person_id}
            for selection_id in own.values() for person_id in everyone]
    existing = set(db.execute(select(SelectionPerson.selection_id, SelectionPerson.person_id)).all())
    rows = [r for r in rows if (r["selection_id"], r["person_id"]) not in existing]
    if rows:
        db.execute(insert(SelectionPerson), rows)


def table_snapshot(db: Session) -> dict[str, list[tuple]]:
    """Return every row of every table, sorted: what a refused request must leave exactly as it was."""
    db.commit()  # end the read transaction, so that what requests committed is seen
    db.expire_all()
    snapshot = {}
    for table in metadata.sorted_tables:
        rows = db.execute(select(table)).all()
        snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def structure_rows(snapshot: dict[str, list[tuple]], structure_id: int) -> dict[str, list[tuple]]:
    """Return the rows of tables that name a structure, for one structure."""
    owned = {}
    for table in metadata.sorted_tables:
        if "structure_id" not in table.c:
            continue
        index = list(table.c.keys()).index("structure_id")
        owned[table.name] = [row for row in snapshot[table.name] if row[index] == structure_id]
    return owned


def row_count(db: Session, table_name: str) -> int:
    """Count the rows of a table."""
    return db.scalar(select(func.count()).select_from(metadata.tables[table_name]))


REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def header_problems(response) -> list[str]:
    """Return what the answer misses of the security headers every answer carries (empty: nothing)."""
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {parts[0]: parts[1:] for parts in (d.split() for d in csp.split(";")) if parts}
    problems = []
    scripts = directives.get("script-src", directives.get("default-src"))
    if scripts is None or {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts):
        problems.append(f"script-src allows inline or foreign script: {scripts}")
    if "frame-ancestors" not in directives or "object-src" not in directives and "default-src" not in directives:
        problems.append(f"CSP lacks frame-ancestors or object-src: {csp!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    return problems


class _ScriptFinder(HTMLParser):
    """Collect what a browser would run from an HTML page: inline scripts, event handlers, javascript: links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        for name, value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def inline_scripts(page: str) -> list[str]:
    """Return the inline scripts, event-handler attributes and javascript: links of an HTML page (the CSP forbids
    them, and hostile text shown as text never makes one)."""
    finder = _ScriptFinder()
    finder.feed(page)
    finder.close()
    return finder.found


def login_as(client, world: AccessWorld, role: str) -> None:
    """Log the client in as a role of the world (anonymous: do nothing)."""
    if role == "anonymous":
        return
    response = client.post("/login", data={"login": world.logins[role], "password": PASSWORD})
    assert response.status_code == 302, f"login as {role} failed: {response.status_code}"
