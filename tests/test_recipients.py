"""From a selection to distinct deliverable numbers, who is left out and why, and what it costs (no Flask)."""

from __future__ import annotations

import pytest
from sms_helpers import DELIVERABLE, OPTED_OUT, PEOPLE, REASONS, add_person, build_world, select_people
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from tutti import encoding
from tutti.models import Person, Selection
from tutti.recipients import Exclusion, message_cost, quote, resolve
from tutti.schema import metadata
from tutti.sms_models import OptOut

NAMES = {key: f"{first} {last}" for key, first, last, _ in PEOPLE}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, pg_schema_url):
    engine = create_engine(pg_schema_url or f"sqlite:///{tmp_path_factory.mktemp('recipients') / 'tutti.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    with Session(engine) as session:
        yield session


@pytest.fixture
def world(db):
    world = build_world(db)
    select_people(db, world, world.ids())
    return world


def resolved(db, world, login: str = "ecrivain"):
    return resolve(db, world.structure_id, world.accounts[login])


def test_resolve_counts_people_selected(db, world):
    assert resolved(db, world).selected == 7


def test_resolve_one_number_per_distinct_mobile(db, world):
    numbers = resolved(db, world).numbers
    assert numbers == {phone: world.ids(*keys) for phone, keys in DELIVERABLE.items()}


@pytest.mark.parametrize("key", list(REASONS))
def test_resolve_reason_for_each_person_left_out(db, world, key):
    labels = {e.person_id: e.label for e in resolved(db, world).excluded}
    assert labels[world.people[key]] == REASONS[key]


def test_resolve_left_out_in_name_order(db, world):
    assert [e.name for e in resolved(db, world).excluded] == [NAMES[k] for k in REASONS]


def test_resolve_receivers_not_left_out(db, world):
    left_out = {e.person_id for e in resolved(db, world).excluded}
    assert not left_out & set(world.ids("alice", "gaston"))


def test_resolve_shared_number_alone_is_deliverable(db, world):
    select_people(db, world, world.ids("bruno"), login="ecrivain2")
    result = resolved(db, world, "ecrivain2")
    assert (result.numbers, result.excluded) == ({"+33612345601": world.ids("bruno")}, [])


def test_resolve_shared_opted_out_number_says_stop_for_each(db, world):
    db.execute(update(OptOut).values(phone="+33612345601"))
    db.commit()
    labels = {e.person_id: e.label for e in resolved(db, world).excluded}
    assert (labels[world.people["alice"]], labels[world.people["bruno"]]) == ("désinscrit (STOP)",) * 2


def test_resolve_withdrawn_opt_out_receives(db, world):
    db.execute(update(OptOut).values(active=False))
    db.commit()
    assert OPTED_OUT in resolved(db, world).numbers


def test_resolve_opt_out_of_another_structure_ignored(db, world):
    db.add(OptOut(structure_id=world.structures["other"], phone="+33755443322"))
    db.commit()
    assert "+33755443322" in resolved(db, world).numbers


def test_resolve_archived_person_ignored(db, world):
    db.execute(update(Person).where(Person.id == world.people["gaston"]).values(archived=True))
    db.commit()
    result = resolved(db, world)
    assert (result.selected, "+33755443322" in result.numbers) == (6, False)


def test_resolve_person_of_another_structure_ignored(db, world):
    db.add(Selection(account_id=world.accounts["ecrivain"], person_id=world.other_people["olga"]))
    db.commit()
    result = resolved(db, world)
    assert result.selected == 7
    assert "+33644444444" not in result.numbers
    assert world.other_people["olga"] not in {e.person_id for e in result.excluded}


def test_resolve_only_this_accounts_selection(db, world):
    assert resolved(db, world, "ecrivain2").selected == 0


def test_resolve_nothing_selected(db, world):
    result = resolved(db, world, "lecteur")
    assert (result.selected, result.numbers, result.excluded) == (0, {}, [])


def test_resolve_number_typed_differently_is_the_same(db, world):
    twin = add_person(db, world.structure_id, "Zoé", "Zimmer", "+33 6 12 34 56 01")
    select_people(db, world, [twin])
    labels = {e.person_id: e.label for e in resolved(db, world).excluded}
    assert labels[twin] == "même numéro que Alice Martin"


def test_quote_total_is_parts_times_numbers(db, world):
    priced = quote(db, world.structure_id, world.accounts["ecrivain"], "ê" + "a" * 148)
    assert (priced.parts, len(priced.recipients.numbers), priced.total) == (3, 2, 6)


def test_quote_counts_message_with_suffix(db, world):
    priced = quote(db, world.structure_id, world.accounts["ecrivain"], "a" * 150)
    assert priced.count == encoding.count("a" * 150)
    assert priced.total == 4


def test_quote_nobody_costs_nothing(db, world):
    assert quote(db, world.structure_id, world.accounts["lecteur"], "Bonjour").total == 0


@pytest.mark.parametrize(("parts", "messages", "cost"), [(1, 0, 0), (1, 2, 2), (3, 2, 6), (2, 10_000, 20_000)])
def test_message_cost(parts, messages, cost):
    assert message_cost(parts, messages) == cost


def test_exclusion_label_names_first_holder():
    assert Exclusion(1, "Bruno Martin", "duplicate", "Alice Martin").label == "même numéro que Alice Martin"


@pytest.mark.parametrize(("reason", "label"), [("no_mobile", "pas de mobile"), ("invalid", "numéro invalide"),
                                               ("landline", "numéro fixe"), ("opted_out", "désinscrit (STOP)")])
def test_exclusion_label_in_french(reason, label):
    assert Exclusion(1, "X Y", reason).label == label
