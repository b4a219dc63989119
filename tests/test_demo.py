"""The demo data: two structures, their people and accounts, loaded once into an empty database."""

from __future__ import annotations

from sqlalchemy import func, select

from tutti.accounts.passwords import check_password
from tutti.demo import DEMO_PASSWORD, seed_demo
from tutti.directory.people import fold
from tutti.directory.phones import KIND_INVALID, KIND_LANDLINE, KIND_NONE
from tutti.models import (
    ACCOUNT_ADMIN,
    ACCOUNT_OPERATOR,
    ACCOUNT_PERSONAL,
    LEVEL_NONE,
    LEVEL_READ,
    LEVEL_WRITE,
    MODULE_SMS,
    Account,
    Person,
    Structure,
    Tag,
)
from tutti.sms import credit

SCHOOL = "École de musique de Saint-Aubin"
BAND = "Harmonie de Valmont"


def _structure(db, name: str) -> Structure:
    return db.scalar(select(Structure).where(Structure.name == name))


def _account(db, login: str) -> Account:
    return db.scalar(select(Account).where(Account.login == login))


def _count(db, *where) -> int:
    return db.scalar(select(func.count()).select_from(Person).where(*where))


def test_seed_demo_fills_empty_database(db):
    assert seed_demo(db) is True
    assert {s.name for s in db.scalars(select(Structure))} == {SCHOOL, BAND}


def test_seed_demo_second_call_adds_nothing(demo):
    counts = [demo.scalar(select(func.count()).select_from(t)) for t in (Structure, Person, Account, Tag)]
    assert seed_demo(demo) is False
    assert [demo.scalar(select(func.count()).select_from(t)) for t in (Structure, Person, Account, Tag)] == counts


def test_seed_demo_school_has_about_300_people(demo):
    school = _structure(demo, SCHOOL)
    assert 290 <= _count(demo, Person.structure_id == school.id) <= 320


def test_seed_demo_school_sms_settings_and_credit(demo):
    school = _structure(demo, SCHOOL)
    assert (school.sms_option, school.sender_name, school.phone_region) == (True, "EMSAUBIN", "FR")
    assert (credit.balance(demo, school.id), credit.ledger_balance(demo, school.id)) == (228, 228)


def test_seed_demo_accounts_and_their_sms_levels(demo):
    accounts = {a.login: (a.structure.name if a.structure else None, a.kind, a.level(MODULE_SMS))
                for a in demo.scalars(select(Account))}
    assert {login: accounts.get(login) for login in ("admin", "secretariat", "professeur", "benevole", "valmont")} == {
        "admin": (SCHOOL, ACCOUNT_ADMIN, LEVEL_WRITE),
        "secretariat": (SCHOOL, ACCOUNT_PERSONAL, LEVEL_WRITE),
        "professeur": (SCHOOL, ACCOUNT_PERSONAL, LEVEL_READ),
        "benevole": (SCHOOL, ACCOUNT_PERSONAL, LEVEL_NONE),
        "valmont": (BAND, ACCOUNT_PERSONAL, LEVEL_WRITE),
    }


def test_seed_demo_personal_accounts_tied_to_a_person_of_their_structure(demo):
    personal = list(demo.scalars(select(Account).where(Account.kind == ACCOUNT_PERSONAL)))
    assert {a.login for a in personal} >= {"secretariat", "professeur", "benevole", "valmont"}
    assert all(a.person is not None and a.person.structure_id == a.structure_id for a in personal)


def test_seed_demo_valmont_has_its_own_people(demo):
    band = _structure(demo, BAND)
    assert _count(demo, Person.structure_id == band.id) >= 10


def test_seed_demo_operator_belongs_to_no_structure(demo):
    account = _account(demo, "operateur")
    assert (account.kind, account.structure_id) == (ACCOUNT_OPERATOR, None)


def test_seed_demo_every_account_uses_demo_password(demo):
    accounts = list(demo.scalars(select(Account)))
    assert len(accounts) >= 7
    assert all(a.password_hash.startswith("$argon2id$") for a in accounts)
    assert all(check_password(a.password_hash, DEMO_PASSWORD) for a in accounts)


def test_seed_demo_school_has_people_who_cannot_receive_sms(demo):
    school = _structure(demo, SCHOOL)
    counts = {kind: _count(demo, Person.structure_id == school.id, Person.mobile_kind == kind)
              for kind in (KIND_NONE, KIND_LANDLINE, KIND_INVALID)}
    assert min(counts.values()) >= 2, counts


def test_seed_demo_school_has_siblings_sharing_a_mobile(demo):
    school = _structure(demo, SCHOOL)
    shared = demo.scalars(
        select(Person.mobile_e164)
        .where(Person.structure_id == school.id, Person.mobile_kind == "mobile")
        .group_by(Person.mobile_e164)
        .having(func.count() > 1)
    ).all()
    assert len(shared) >= 2


def test_seed_demo_school_people_have_tags_and_sexes(demo):
    school = _structure(demo, SCHOOL)
    names = set(demo.scalars(select(Tag.name).where(Tag.structure_id == school.id)))
    sexes = set(demo.scalars(select(Person.sexe).where(Person.structure_id == school.id)))
    assert {"Musicien", "Élève", "Professeur", "Parent", "Bureau"} <= names
    assert {"F", "M"} <= sexes


def test_seed_demo_name_keys_are_folded(demo):
    people = list(demo.scalars(select(Person)))
    assert all(p.first_name_key == fold(p.first_name) and p.last_name_key == fold(p.last_name) for p in people)
    assert any(p.last_name != p.last_name_key for p in people)


def test_seed_demo_command_loads_then_leaves_data_alone(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert "Données de démonstration chargées" in first.output
    assert "rien n'a été ajouté" in second.output
