"""Shared helpers of the SMS flow tests: a small world of structures, people and accounts, and readers of the HTML.

The world (`build_world`) holds, in its main structure, one person for every reason a selected person is left out
of a send, two people sharing a number, and an account for every gate; a second structure holds people the main
structure's accounts must never reach.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from tutti.accounts.passwords import hash_password
from tutti.directory import selections
from tutti.directory.people import fold
from tutti.directory.phones import parse_mobile
from tutti.models import (
    ACCOUNT_ADMIN,
    ACCOUNT_PERSONAL,
    LEVEL_NONE,
    LEVEL_READ,
    LEVEL_WRITE,
    MODULE_SMS,
    Account,
    Campaign,
    CreditMovement,
    Message,
    OptOut,
    OutboxEntry,
    Person,
    Structure,
    message_people,
)
from tutti.sms import credit

PASSWORD = "mot-de-passe-test"
_HASH: list[str] = []  # computed once, at first use, with the suite's cheap argon2 parameters
HX = {"HX-Request": "true"}
# Tuesday 10 March 2026, 10:00 in Paris: inside the operators' sending window, so no recap shows its notice.
IN_WINDOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

# The main structure's people: (key, first name, last name, mobile as typed). Sorted by name, as the recap lists them.
PEOPLE = [
    ("alice", "Alice", "Martin", "06 12 34 56 01"),
    ("bruno", "Bruno", "Martin", "06 12 34 56 01"),  # shares Alice's number
    ("chloe", "Chloé", "Petit", ""),  # pas de mobile
    ("david", "David", "Roux", "0612"),  # numéro invalide
    ("emma", "Emma", "Simon", "01 23 45 67 89"),  # numéro fixe
    ("fanny", "Fanny", "Thomas", "06 98 76 54 32"),  # désinscrit (STOP)
    ("gaston", "Gaston", "Vidal", "07 55 44 33 22"),
]
OPTED_OUT = "+33698765432"
REASONS = {
    "bruno": "même numéro que Alice Martin",
    "chloe": "pas de mobile",
    "david": "numéro invalide",
    "emma": "numéro fixe",
    "fanny": "désinscrit (STOP)",
}
# Everyone who receives the SMS when the whole world is selected: Alice (for Bruno too) and Gaston.
DELIVERABLE = {"+33612345601": ["alice", "bruno"], "+33755443322": ["gaston"]}

# Accounts: login → (structure key, kind, level on « Communication - SMS »).
ACCOUNTS = {
    "ecrivain": ("main", ACCOUNT_PERSONAL, LEVEL_WRITE),
    "ecrivain2": ("main", ACCOUNT_PERSONAL, LEVEL_WRITE),
    "lecteur": ("main", ACCOUNT_PERSONAL, LEVEL_READ),
    "sansdroit": ("main", ACCOUNT_PERSONAL, LEVEL_NONE),
    "admin": ("main", ACCOUNT_ADMIN, None),
    "sansoption": ("no_option", ACCOUNT_PERSONAL, LEVEL_WRITE),
    "sansnom": ("no_sender", ACCOUNT_PERSONAL, LEVEL_WRITE),
    "autre": ("other", ACCOUNT_PERSONAL, LEVEL_WRITE),
}


@dataclass
class World:
    """Ids of what `build_world` made."""

    structures: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    other_people: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, int] = field(default_factory=dict)

    @property
    def structure_id(self) -> int:
        """Return the main structure's id."""
        return self.structures["main"]

    def ids(self, *keys: str) -> list[int]:
        """Return the ids of the main structure's people with these keys (all of them when none is given)."""
        return [self.people[k] for k in (keys or self.people)]


def password_hash() -> str:
    """Return the hash of PASSWORD, computed once."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def _person(structure_id: int, first: str, last: str, phone: str = "") -> Person:
    parsed = parse_mobile(phone, "FR")
    return Person(structure_id=structure_id, first_name=first, last_name=last, first_name_key=fold(first),
                  last_name_key=fold(last), mobile_raw=parsed.raw, mobile_e164=parsed.e164, mobile_kind=parsed.kind)


def _account(structure_id: int | None, login: str, kind: str, level: int | None) -> Account:
    account = Account(structure_id=structure_id, kind=kind, login=login, password_hash=password_hash())
    if level is not None:
        account.set_level(MODULE_SMS, level)
    return account


def add_person(db, structure_id: int, first: str, last: str, phone: str = "") -> int:
    """Create a person of the structure with a number parsed the way the app parses it; return the id."""
    person = _person(structure_id, first, last, phone)
    db.add(person)
    db.flush()
    person_id = person.id
    db.commit()
    return person_id


def add_account(db, structure_id: int | None, login: str, kind: str = ACCOUNT_PERSONAL,
                level: int | None = LEVEL_WRITE) -> int:
    """Create an account with PASSWORD; return its id."""
    account = _account(structure_id, login, kind, level)
    db.add(account)
    db.flush()
    account_id = account.id
    db.commit()
    return account_id


def build_world(db, sms: int = 228) -> World:
    """Create the structures, people, opt-out and accounts the SMS tests share (in few round trips)."""
    structures = {
        "main": Structure(name="Chœur des Tilleuls", sms_option=True, sender_name="CHOEUR"),
        "other": Structure(name="Harmonie voisine", sms_option=True, sender_name="VOISINS"),
        "no_option": Structure(name="Fanfare sans option", sms_option=False, sender_name="FANFARE"),
        "no_sender": Structure(name="Chorale sans nom", sms_option=True, sender_name="AB"),
    }
    db.add_all(structures.values())
    db.flush()
    world = World(structures={key: s.id for key, s in structures.items()})
    if sms:
        credit.add(db, world.structure_id, sms, kind=credit.INITIAL)
    credit.add(db, world.structures["other"], 100, kind=credit.INITIAL)
    people_rows = {key: _person(world.structure_id, first, last, phone) for key, first, last, phone in PEOPLE}
    others = {"olga": _person(world.structures["other"], "Olga", "Voisine", "06 44 44 44 44"),
              "oscar": _person(world.structures["other"], "Oscar", "Voisin", "06 45 45 45 45")}
    accounts = {login: _account(world.structures[where], login, kind, level)
                for login, (where, kind, level) in ACCOUNTS.items()}
    db.add_all([*people_rows.values(), *others.values(), *accounts.values(),
                OptOut(structure_id=world.structure_id, phone=OPTED_OUT, text="STOP")])
    db.flush()
    # Read the ids before the commit expires the objects (each would cost a SELECT).
    world.people = {key: p.id for key, p in people_rows.items()}
    world.other_people = {key: p.id for key, p in others.items()}
    world.accounts = {login: a.id for login, a in accounts.items()}
    db.commit()
    return world


def select_people(db, world: World, person_ids: list[int], login: str = "ecrivain",
                  structure: str = "main") -> None:
    """Tick people in an account's selection, the way the person list does."""
    selection_id = selections.of_account(db, world.accounts[login])
    selections.tick(db, selection_id, world.structures[structure], person_ids, True)
    db.commit()


def login(client, name: str):
    """Log the client in and return the response."""
    response = client.post("/login", data={"login": name, "password": PASSWORD})
    assert response.status_code == 302, f"login {name} failed"
    return response


def sms_config(config: dict) -> dict:
    """Give a test app a clock inside the sending window, and room for every login a test makes.

    The login limit is raised because the Limiter singleton keeps the first app's RATELIMIT_KEY_PREFIX: every
    test app of a session shares one bucket of "10 per minute" logins from 127.0.0.1.
    """
    config["TUTTI_CLOCK"] = lambda: IN_WINDOW
    config["TUTTI_LOGIN_LIMIT"] = "100000 per minute"
    # A module's tests share one app: the access matrix alone calls the API without a key hundreds of times.
    config["TUTTI_API_FAILED_LIMIT"] = config["TUTTI_API_FAILED_GLOBAL_LIMIT"] = "100000 per minute"
    return config


# --- requests of the flow ------------------------------------------------------------


def own_list(client, **args):
    """Open the person list on the account's own selection (the one a client naming none works on)."""
    bar = client.get("/people/actions").get_data(as_text=True)
    selection = re.search(r'data-selection="(\d+)"', bar).group(1)
    return client.get("/people", query_string={"sel": selection, **args})


def hx_get(client, url: str):
    """GET as htmx does."""
    return client.get(url, headers=HX)


def hx_post(client, url: str, data: dict | None = None):
    """POST as htmx does."""
    return client.post(url, data=data or {}, headers=HX)


def countdown(client, message: str):
    """Ask for the countdown of a message."""
    return hx_post(client, "/sms/countdown", {"message": message})


def recap(client, message: str):
    """Press Valider."""
    return hx_post(client, "/sms/recap", {"message": message})


def send(client, message: str, token: str):
    """Press Envoyer."""
    return hx_post(client, "/sms/send", {"message": message, "token": token})


def recap_then_send(client, message: str):
    """Press Valider then Envoyer on the recap; return (recap response, send response)."""
    shown = recap(client, message)
    assert root_id(body(shown)) == "recap", text(body(shown))
    return shown, send(client, field_value(body(shown), "message"), recap_token(body(shown)))


# --- reading the HTML ---------------------------------------------------------------


def body(response) -> str:
    """Return the response's HTML."""
    return response.get_data(as_text=True)


def root_id(page: str) -> str | None:
    """Return the id of a fragment's root element."""
    match = re.match(r"\s*<[a-zA-Z][\w-]*\b[^>]*?\bid=\"([^\"]+)\"", page)
    return match.group(1) if match else None


def text(page: str) -> str:
    """Return the text a reader sees: tags dropped, entities decoded, white space collapsed."""
    inline_dropped = re.sub(r"</?(?:span|strong|em|b|a)\b[^>]*>", "", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", inline_dropped))).strip()


def field_value(page: str, name: str, occurrence: int = 0) -> str:
    """Return the value of the named input (the first one, unless told)."""
    tags = re.findall(r"<input\b[^>]*>", page)
    values = []
    for tag in tags:
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            value = re.search(r'\bvalue="([^"]*)"', tag)
            values.append(html.unescape(value.group(1)) if value else "")
    assert len(values) > occurrence, f"no input named {name!r}"
    return values[occurrence]


def recap_token(page: str) -> str:
    """Return the one-time token of a recap."""
    return field_value(page, "token")


def textarea(page: str) -> str:
    """Return the compose textarea's text, as a browser would read it."""
    match = re.search(r"<textarea\b[^>]*>(.*?)</textarea>", page, re.S)
    assert match, "no textarea"
    content = html.unescape(match.group(1))
    return content[2:] if content.startswith("\r\n") else content.removeprefix("\n")


def figure(page: str, label: str) -> str:
    """Return the text of the <dd> that follows the <dt> with this label."""
    match = re.search(rf"<dt>\s*{re.escape(label)}\s*</dt>\s*<dd>(.*?)</dd>", page, re.S)
    assert match, f"no figure {label!r}"
    return text(match.group(1))


def envoyer_disabled(page: str) -> bool:
    """Say whether the recap's Envoyer button is disabled."""
    match = re.search(r"<button\b[^>]*>\s*Envoyer\s*</button>", page)
    assert match, "no Envoyer button"
    return re.search(r"\bdisabled\b", match.group(0)) is not None


def varies_on_htmx(response) -> bool:
    """Say whether the response tells caches it depends on HX-Request."""
    return "hx-request" in (response.headers.get("Vary") or "").lower()


# --- what the database holds ----------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a send writes, counted for one structure."""

    campaigns: int
    messages: int
    links: int
    ledger_rows: int
    outbox: int
    balance: int
    ledger_balance: int


def snapshot(db, structure_id: int) -> Snapshot:
    """Count what a send writes, reading what other sessions committed."""
    db.commit()  # end the read transaction: SQLite would keep showing its old snapshot
    db.expire_all()
    campaign_ids = select(Campaign.id).where(Campaign.structure_id == structure_id)
    message_ids = select(Message.id).where(Message.campaign_id.in_(campaign_ids))
    return Snapshot(
        campaigns=db.scalar(select(func.count()).where(Campaign.structure_id == structure_id)),
        messages=db.scalar(select(func.count()).where(Message.campaign_id.in_(campaign_ids))),
        links=db.scalar(select(func.count()).select_from(message_people)
                        .where(message_people.c.message_id.in_(message_ids))),
        ledger_rows=db.scalar(select(func.count()).where(CreditMovement.structure_id == structure_id)),
        outbox=db.scalar(select(func.count()).where(OutboxEntry.structure_id == structure_id)),
        balance=credit.balance(db, structure_id),
        ledger_balance=credit.ledger_balance(db, structure_id),
    )


def only_campaign(db, structure_id: int) -> Campaign:
    """Return the structure's one campaign."""
    db.commit()
    db.expire_all()
    campaigns = db.scalars(select(Campaign).where(Campaign.structure_id == structure_id)).all()
    assert len(campaigns) == 1, f"{len(campaigns)} campaigns"
    return campaigns[0]


def drain_credit(db, structure_id: int, leave: int = 0) -> None:
    """Spend the structure's credit on another send, leaving `leave` SMS."""
    author = db.scalar(select(Account.id).where(Account.structure_id == structure_id))
    other = Campaign(structure_id=structure_id, author_id=author, token=uuid.uuid4().hex, text="Autre envoi",
                     suffix=".STOP 36608", sender="CHOEUR", encoding="GSM-7", parts_per_message=1)
    db.add(other)
    db.flush()
    assert credit.reserve(db, structure_id, credit.balance(db, structure_id) - leave, other.id)
    db.commit()


# --- one app per test module, a fresh database per test --------------------------------------


class SharedApp:
    """One app for a whole test module; every test starts on an emptied database and a queue of its own.

    Building an app (URL rules, an engine whose statement cache starts cold) and its schema costs about half a
    second; done once per module, the SMS suite stays within its time budget on SQLite and PostgreSQL alike.

    Tests read and write the database through `session()`, a plain session outside any app context: while an app
    context is pushed, Flask reuses it for every test-client request, so `g` (where Flask-Login caches the user)
    and the Flask-SQLAlchemy session would be shared by every request and every client of the test.
    """

    def __init__(self, app):
        from blueprints.extensions import db

        self.app = app
        with app.app_context():
            self.engine = db.engine

    def session(self):
        """Return a database session of the test's own, like another process would have."""
        from sqlalchemy.orm import Session

        return Session(self.engine)

    @classmethod
    def start(cls, tmp_dir, pg_url: str | None, redis_url: str) -> SharedApp:
        """Create the module's app on SQLite (or on the PostgreSQL test database) and its schema."""
        from conftest import make_test_config

        from app import create_app
        from blueprints.extensions import db
        from tutti.models import create_all

        url = pg_url or f"sqlite:///{tmp_dir / 'tutti.db'}"
        app = create_app(sms_config(make_test_config(url, redis_url)))
        with app.app_context():
            create_all(db.engine)
        return cls(app)

    def fresh(self):
        """Empty every table and give the app a new queue; yield the app, then clean up."""
        from blueprints.extensions import db
        from tutti.models import metadata
        from tutti.sms.queue import make_queue

        # DELETE, not TRUNCATE: on a few rows PostgreSQL deletes in milliseconds and truncates in half a second.
        with self.engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
        state = self.app.extensions["tutti"]
        name = "tutti-test-" + uuid.uuid4().hex[:8]
        self.app.config["TUTTI_QUEUE_NAME"] = name
        queue = state["queue"] = make_queue(state["redis"], name)
        yield self.app
        queue.empty()
        with self.app.app_context():
            db.session.remove()

    def stop(self) -> None:
        """Close the database connections."""
        from blueprints.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- the job -------------------------------------------------------------------------------


def run_worker(app):
    """Run a real RQ worker, in this process and in burst mode, on the app's queue and Redis."""
    from blueprints.extensions import db
    from tutti import runtime

    state = app.extensions["tutti"]
    with app.app_context():
        runtime.configure_from_app(app, db.engine)
    from worker import InProcessWorker

    worker = InProcessWorker([state["queue"]], connection=state["redis"])
    worker.work(burst=True)
    return worker


def make_campaign(db, world: World, login: str = "ecrivain", message: str = "Répétition ce soir à 20h",
                  person_ids: list[int] | None = None) -> int:
    """Record a campaign the way Envoyer does (without the queue); return its id."""
    from tutti.sms import campaigns, cost

    account = db.get(Account, world.accounts[login])
    structure = db.get(Structure, account.structure_id)
    if person_ids is None:
        person_ids = list(world.people.values() if structure.id == world.structure_id else world.other_people.values())
    selection_id = selections.of_account(db, account.id)
    selections.tick(db, selection_id, structure.id, person_ids, True)
    db.commit()
    quote = cost.quote(db, structure.id, selection_id, message)
    return campaigns.create(db, structure, account.id, uuid.uuid4().hex, message, quote, "outbox",
                            selection_id=selection_id).campaign_id


# Fixtures for modules that share one app per module and empty its tables before each test. A module
# takes them with `from sms_helpers import shared_app_fixtures` and `app, db, shared = shared_app_fixtures()`.


def module_app_fixtures():
    """Return the (shared, app) fixtures: one app for the module, each test on a fresh database and queue."""
    import pytest

    @pytest.fixture(scope="module")
    def shared(tmp_path_factory, pg_schema_url, redis_url, request):
        name = request.module.__name__.removeprefix("test_").replace("_", "-")
        shared = SharedApp.start(tmp_path_factory.mktemp(name), pg_schema_url, redis_url)
        yield shared
        shared.stop()

    @pytest.fixture
    def app(shared):
        yield from shared.fresh()

    return shared, app


def shared_app_fixtures():
    """Return the (app, db, shared) fixtures of a module that runs on one shared app."""
    import pytest

    shared, app = module_app_fixtures()

    @pytest.fixture
    def db(shared, app):
        with shared.session() as session:
            yield session

    return app, db, shared
