"""Many Envoyer at once, from different accounts of one structure, for its last credits."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tutti.db import engine_options
from tutti.directory import selections
from tutti.directory.people import fold
from tutti.models import (
    ACCOUNT_PERSONAL,
    LEVEL_WRITE,
    MODULE_SMS,
    Account,
    Campaign,
    Message,
    Person,
    SelectionPerson,
    Structure,
)
from tutti.sms import campaigns, cost, credit

SENDERS = 50
CREDIT = 30  # enough for 30 sends of one SMS: 20 of the 50 must be refused


@pytest.fixture
def crowded(app, db):
    """A structure with 30 SMS of credit and 50 personal accounts, each with one person selected."""
    structure = Structure(name="Chorale des Lilas", sms_option=True, sender_name="LILAS")
    db.add(structure)
    db.flush()
    credit.add(db, structure.id, CREDIT, kind=credit.INITIAL)
    accounts = []
    for i in range(SENDERS):
        person = Person(structure_id=structure.id, first_name=f"Ténor{i}", last_name="Lilas",
                        first_name_key=fold(f"Ténor{i}"), last_name_key="lilas",
                        mobile_raw=f"06 12 34 {i // 10:02d} {i:02d}", mobile_e164=f"+336123400{i:02d}",
                        mobile_kind="mobile")
        db.add(person)
        db.flush()
        account = Account(structure_id=structure.id, person_id=person.id, kind=ACCOUNT_PERSONAL,
                          login=f"tenor{i}", password_hash="x")
        account.set_level(MODULE_SMS, LEVEL_WRITE)
        db.add(account)
        db.flush()
        db.add(SelectionPerson(selection_id=selections.of_account(db, account.id), person_id=person.id))
        accounts.append(account.id)
    db.commit()
    return structure.id, accounts


def _send_all_at_once(url: str, structure_id: int, accounts: list[int]) -> list[str]:
    # One connection per sender, none shared through a pool that is smaller than the crowd.
    engine = create_engine(url, poolclass=NullPool, **engine_options(url))
    barrier = threading.Barrier(len(accounts), timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press_envoyer(account_id: int) -> None:
        try:
            with Session(engine) as db:
                structure = db.get(Structure, structure_id)
                selection_id = selections.of_account(db, account_id)
                quote = cost.quote(db, structure_id, selection_id, "Répétition avancée à 18h.")
                db.rollback()  # read done: let the 50 start their transactions together
                barrier.wait()
                try:
                    campaigns.create(db, structure, account_id, uuid.uuid4().hex, "Répétition avancée à 18h.",
                                     quote, "outbox", selection_id=selection_id)
                    result = "accepted"
                except campaigns.InsufficientCredit:
                    result = "refused"
        except Exception as error:  # recorded, so that the test fails with it instead of hanging
            barrier.abort()
            result = f"error: {error!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=press_envoyer, args=(a,)) for a in accounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.dispose()
    return outcomes


def test_races_last_credits_never_go_negative(app, db, crowded):
    structure_id, accounts = crowded
    outcomes = _send_all_at_once(app.config["SQLALCHEMY_DATABASE_URI"], structure_id, accounts)
    db.expire_all()
    assert len(outcomes) == SENDERS
    assert outcomes.count("accepted") == CREDIT
    assert credit.balance(db, structure_id) == 0
    assert credit.ledger_balance(db, structure_id) == 0


def test_races_every_accepted_campaign_fully_reserved(app, db, crowded):
    structure_id, accounts = crowded
    _send_all_at_once(app.config["SQLALCHEMY_DATABASE_URI"], structure_id, accounts)
    db.expire_all()
    made = db.scalars(select(Campaign).where(Campaign.structure_id == structure_id)).all()
    assert len(made) == CREDIT
    for campaign in made:
        assert credit.campaign_totals(db, campaign.id)[credit.RESERVATION] == campaign.cost == 1
        assert db.scalar(select(func.count()).where(Message.campaign_id == campaign.id)) == 1


def test_races_refused_sends_leave_nothing_behind(app, db, crowded):
    structure_id, accounts = crowded
    _send_all_at_once(app.config["SQLALCHEMY_DATABASE_URI"], structure_id, accounts)
    db.expire_all()
    messages = db.scalar(select(func.count()).select_from(Message))
    reservations = db.scalar(select(func.count()).where(
        credit.CreditMovement.kind == credit.RESERVATION, credit.CreditMovement.structure_id == structure_id))
    assert messages == CREDIT
    assert reservations == CREDIT
