"""Exporting people's data needs the « Personnes » right (or the administrator account), and each export is audited."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from tutti.accounts import accounts, rights
from tutti.models import (
    LEVEL_NONE,
    LEVEL_READ,
    LEVEL_WRITE,
    MODULE_PEOPLE,
    MODULE_SMS,
    Account,
    AuditLog,
    Person,
    Structure,
)

SCHOOL = "École de musique de Saint-Aubin"


def _account(db, login: str) -> Account:
    return db.scalar(select(Account).where(Account.login == login))


def _select(client, db, structure: str, count: int) -> list[int]:
    """Tick the first `count` people of a structure in the logged-in account's list."""
    structure_id = db.scalar(select(Structure.id).where(Structure.name == structure))
    ids = list(db.scalars(select(Person.id).where(Person.structure_id == structure_id).order_by(Person.id)
                          .limit(count)))
    for person_id in ids:
        assert client.post("/people/selection", data={"person_id": person_id, "checked": "1"}).status_code < 400
    return ids


def _exports(db) -> list[AuditLog]:
    return list(db.scalars(select(AuditLog).where(AuditLog.action == "people.export").order_by(AuditLog.id)))


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_people_export_demo_rights(demo):
    assert _account(demo, "secretariat").level(MODULE_PEOPLE) == LEVEL_WRITE
    assert _account(demo, "valmont").level(MODULE_PEOPLE) == LEVEL_WRITE
    assert _account(demo, "benevole").level(MODULE_PEOPLE) == LEVEL_NONE
    assert _account(demo, "professeur").level(MODULE_PEOPLE) == LEVEL_NONE
    assert _account(demo, "admin").level(MODULE_PEOPLE) == LEVEL_WRITE  # the structure's administrator account


@pytest.mark.parametrize("login", ["benevole", "professeur"])
def test_people_export_refused_without_the_people_right(client, auth, demo, login):
    auth.login(login)
    _select(client, demo, SCHOOL, 3)
    response = client.get("/people/export.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert response.mimetype == "text/html" and "Accès refusé" in page
    assert "droit « Personnes » en lecture" in page.replace("&#34;", '"').replace("&#39;", "'")
    assert _exports(demo) == []


def test_people_export_not_offered_without_the_people_right(client, auth, demo):
    auth.login("benevole")
    _select(client, demo, SCHOOL, 2)
    assert 'href="/people/export.csv' not in client.get("/people/actions").get_data(as_text=True)


@pytest.mark.parametrize(("login", "structure"), [("secretariat", SCHOOL), ("admin", SCHOOL),
                                                  ("valmont", "Harmonie de Valmont")])
def test_people_export_allowed_and_written_in_the_audit_log(client, auth, demo, login, structure):
    auth.login(login)
    _select(client, demo, structure, 3)
    assert 'href="/people/export.csv' in client.get("/people/actions").get_data(as_text=True)
    response = client.get("/people/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(_rows(response)) == 1 + 3
    [entry] = _exports(demo)
    account = _account(demo, login)
    assert (entry.actor_login, entry.actor_account_id, entry.structure_id) == (login, account.id,
                                                                                account.structure_id)
    assert entry.details == "3 personnes" and entry.created_at is not None


def test_people_export_each_export_is_one_audit_row_with_its_count(client, auth, demo):
    auth.login("secretariat")
    _select(client, demo, SCHOOL, 1)
    client.get("/people/export.csv")
    client.post("/people/selection/clear")
    client.get("/people/export.csv")
    assert [e.details for e in _exports(demo)] == ["1 personne", "0 personne"]


def test_people_export_reading_is_enough(client, auth, demo):
    rights.set_rights(demo, _account(demo, "professeur").structure_id, _account(demo, "professeur").id,
                     {MODULE_PEOPLE: LEVEL_READ}, None)
    auth.login("professeur")
    _select(client, demo, SCHOOL, 2)
    assert client.get("/people/export.csv").status_code == 200
    assert [e.actor_login for e in _exports(demo)] == ["professeur"]


def test_people_export_right_removed_refuses_the_next_export(client, auth, demo):
    auth.login("secretariat")
    _select(client, demo, SCHOOL, 2)
    assert client.get("/people/export.csv").status_code == 200
    account = _account(demo, "secretariat")
    rights.set_rights(demo, account.structure_id, account.id, {MODULE_PEOPLE: LEVEL_NONE}, None)
    assert client.get("/people/export.csv").status_code == 403
    assert len(_exports(demo)) == 1


def test_people_export_audit_page_shows_who_and_how_many(client, auth, demo):
    auth.login("secretariat")
    _select(client, demo, SCHOOL, 2)
    client.get("/people/export.csv")
    auth.logout()
    auth.login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Export des données de personnes" in page and "2 personnes" in page and "secretariat" in page


# The « Personnes » line of the rights grid -------------------------------------------------------------------------


def _person_of(db, login: str) -> int:
    return _account(db, login).person_id


def test_people_right_is_a_line_of_the_rights_grid(client, auth, demo):
    auth.login("admin")
    page = client.get(f"/admin/people/{_person_of(demo, 'benevole')}").get_data(as_text=True)
    assert 'id="module-personnes"' in page and ">Personnes<" in page
    assert 'name="level_personnes" value="1"' in page and 'name="level_personnes" value="2"' in page


def test_people_right_set_by_the_administrator_and_audited(client, auth, demo):
    auth.login("admin")
    person_id = _person_of(demo, "benevole")
    response = client.post(f"/admin/people/{person_id}/rights",
                           data={"level_communication_sms": "0", "level_personnes": "1"})
    assert "Droits enregistrés" in response.get_data(as_text=True)
    demo.expire_all()
    assert _account(demo, "benevole").level(MODULE_PEOPLE) == LEVEL_READ
    entry = demo.scalar(select(AuditLog).where(AuditLog.action == "rights.set").order_by(AuditLog.id.desc()))
    assert entry.details == "Personnes : Aucun → Lecture"


def test_people_right_left_out_of_a_post_is_left_as_it_is(client, auth, demo):
    auth.login("admin")
    client.post(f"/admin/people/{_person_of(demo, 'secretariat')}/rights", data={"level_communication_sms": "1"})
    demo.expire_all()
    account = _account(demo, "secretariat")
    assert (account.level(MODULE_SMS), account.level(MODULE_PEOPLE)) == (LEVEL_READ, LEVEL_WRITE)


def test_people_right_starts_at_none_for_a_new_account(demo):
    structure_id = _account(demo, "secretariat").structure_id
    person = demo.scalar(select(Person).where(Person.structure_id == structure_id).order_by(Person.id))
    account = accounts.create_personal_account(demo, structure_id, person.id, "nouveau", None, sms_level=LEVEL_WRITE)
    assert (account.level(MODULE_SMS), account.level(MODULE_PEOPLE)) == (LEVEL_WRITE, LEVEL_NONE)
