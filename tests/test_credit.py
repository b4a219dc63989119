"""The SMS credit ledger: reservations are atomic, the balance is the ledger's sum and never negative."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tutti.models import ACCOUNT_ADMIN, Account, Campaign, CreditMovement, Structure
from tutti.sms import credit


def _structure(db, name: str = "Chorale des Tilleuls", sms: int = 100) -> Structure:
    structure = Structure(name=name, sms_option=True, sender_name="TILLEULS")
    db.add(structure)
    db.flush()
    if sms:
        credit.add(db, structure.id, sms, kind=credit.INITIAL)
    db.commit()
    return structure


def _campaign(db, structure: Structure) -> Campaign:
    author = db.scalar(select(Account).where(Account.structure_id == structure.id))
    if author is None:
        author = Account(structure_id=structure.id, kind=ACCOUNT_ADMIN, login=f"admin-{structure.id}",
                         password_hash="x")
        db.add(author)
        db.flush()
    campaign = Campaign(structure_id=structure.id, author_id=author.id, token=uuid.uuid4().hex, text="Répétition",
                        suffix=" STOP 36180", sender="TILLEULS", encoding="gsm", parts_per_message=1)
    db.add(campaign)
    db.commit()
    return campaign


def _movements(db, structure_id: int) -> int:
    query = select(func.count()).select_from(CreditMovement).where(CreditMovement.structure_id == structure_id)
    return db.scalar(query)


def test_credit_add_raises_balance(db):
    structure = _structure(db, sms=100)
    credit.add(db, structure.id, 50)
    db.commit()
    assert credit.balance(db, structure.id) == 150


def test_credit_add_writes_a_ledger_row(db):
    structure = _structure(db, sms=100)
    credit.add(db, structure.id, 50, label="Réapprovisionnement de mars")
    db.commit()
    row = db.scalars(select(CreditMovement).order_by(CreditMovement.id.desc())).first()
    assert (row.kind, row.sms, row.delta, row.balance_after, row.label) == (
        credit.TOPUP, 50, 50, 150, "Réapprovisionnement de mars")


@pytest.mark.parametrize("sms", [0, -5])
def test_credit_add_refuses_non_positive(db, sms):
    structure = _structure(db)
    with pytest.raises(ValueError):
        credit.add(db, structure.id, sms)


def test_credit_reserve_takes_from_balance(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    assert credit.reserve(db, structure.id, 30, campaign.id) is True
    db.commit()
    assert credit.balance(db, structure.id) == 70


def test_credit_reserve_whole_balance_allowed(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    assert credit.reserve(db, structure.id, 100, campaign.id) is True
    db.commit()
    assert credit.balance(db, structure.id) == 0


def test_credit_reserve_refused_when_short(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    rows_before = _movements(db, structure.id)
    assert credit.reserve(db, structure.id, 101, campaign.id) is False
    db.commit()
    assert credit.balance(db, structure.id) == 100
    assert _movements(db, structure.id) == rows_before


def test_credit_reserve_refuses_negative(db):
    structure = _structure(db)
    campaign = _campaign(db, structure)
    with pytest.raises(ValueError):
        credit.reserve(db, structure.id, -1, campaign.id)


def test_credit_capture_leaves_balance_as_reserved(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    credit.reserve(db, structure.id, 30, campaign.id)
    credit.capture(db, structure.id, 30, campaign.id)
    db.commit()
    assert credit.balance(db, structure.id) == 70


def test_credit_release_gives_back(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    credit.reserve(db, structure.id, 30, campaign.id)
    credit.capture(db, structure.id, 20, campaign.id)
    credit.release(db, structure.id, 10, campaign.id)
    db.commit()
    assert credit.balance(db, structure.id) == 80


def test_credit_balance_equals_ledger_after_each_move(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    moves = [
        lambda: credit.add(db, structure.id, 25),
        lambda: credit.reserve(db, structure.id, 60, campaign.id),
        lambda: credit.reserve(db, structure.id, 500, campaign.id),  # refused
        lambda: credit.capture(db, structure.id, 45, campaign.id),
        lambda: credit.release(db, structure.id, 15, campaign.id),
    ]
    seen = []
    for move in moves:
        move()
        db.commit()
        seen.append((credit.balance(db, structure.id), credit.ledger_balance(db, structure.id)))
    assert seen == [(125, 125), (65, 65), (65, 65), (65, 65), (80, 80)]


def test_credit_balance_after_follows_the_ledger(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    credit.reserve(db, structure.id, 40, campaign.id)
    credit.release(db, structure.id, 5, campaign.id)
    db.commit()
    after = db.scalars(select(CreditMovement.balance_after).where(CreditMovement.structure_id == structure.id)
                       .order_by(CreditMovement.id))
    assert list(after) == [100, 60, 65]


def test_credit_balance_cannot_go_negative_in_database(db):
    structure = _structure(db, sms=10)
    with pytest.raises(IntegrityError):
        db.execute(update(Structure).where(Structure.id == structure.id).values(credit_balance=-1))
        db.flush()
    db.rollback()
    assert credit.balance(db, structure.id) == 10


def test_credit_reservations_stay_within_their_structure(db):
    school = _structure(db, "École", sms=100)
    band = _structure(db, "Harmonie", sms=100)
    campaign = _campaign(db, school)
    credit.reserve(db, school.id, 90, campaign.id)
    db.commit()
    assert (credit.balance(db, school.id), credit.balance(db, band.id)) == (10, 100)
    assert credit.ledger_balance(db, band.id) == 100


def test_credit_campaign_totals(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    other = _campaign(db, structure)
    credit.reserve(db, structure.id, 10, campaign.id)
    credit.capture(db, structure.id, 7, campaign.id)
    credit.release(db, structure.id, 3, campaign.id)
    credit.reserve(db, structure.id, 50, other.id)
    db.commit()
    assert credit.campaign_totals(db, campaign.id) == {credit.RESERVATION: 10, credit.CAPTURE: 7, credit.RELEASE: 3}


def test_credit_campaign_totals_without_movements(db):
    structure = _structure(db)
    campaign = _campaign(db, structure)
    assert credit.campaign_totals(db, campaign.id) == {credit.RESERVATION: 0, credit.CAPTURE: 0, credit.RELEASE: 0}


def test_credit_zero_capture_or_release_writes_nothing(db):
    structure = _structure(db, sms=100)
    campaign = _campaign(db, structure)
    rows_before = _movements(db, structure.id)
    credit.capture(db, structure.id, 0, campaign.id)
    credit.release(db, structure.id, 0, campaign.id)
    db.commit()
    assert _movements(db, structure.id) == rows_before
