"""From a selection to distinct deliverable numbers, who is left out and why, and what it costs (no Flask)."""

from __future__ import annotations

import pytest
from sms_helpers import DELIVERABLE, OPTED_OUT, PEOPLE, add_person, build_world, select_people
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from tutti.directory import selections
from tutti.models import OptOut, Person, SelectionPerson, metadata
from tutti.refusals import Refusal
from tutti.sms import encoding
from tutti.sms.cost import message_cost, quote
from tutti.sms.recipients import Exclusion, exclusions, numbers_digest, resolve

NAMES = {key: f"{first} {last}" for key, first, last, _ in PEOPLE}
# Why each person of the world is left out, in name order (sms_helpers.REASONS: the same in the recap's French).
WHY = {
    "bruno": Refusal("same_number_as", name="Alice Martin"),
    "chloe": Refusal("no_mobile"),
    "david": Refusal("number_invalid"),
    "emma": Refusal("number_landline"),
    "fanny": Refusal("opted_out"),
}


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
    return resolve(db, world.structure_id, selections.of_account(db, world.accounts[login]))


def test_resolve_counts_people_selected(db, world):
    assert resolved(db, world).selected == 7


def test_resolve_one_number_per_distinct_mobile(db, world):
    result = resolved(db, world)
    assert (result.distinct_numbers, result.digest) == (len(DELIVERABLE), numbers_digest(DELIVERABLE))


@pytest.mark.parametrize("key", list(WHY))
def test_resolve_reason_for_each_person_left_out(db, world, key):
    why = {e.person_id: e.why for e in resolved(db, world).excluded}
    assert why[world.people[key]] == WHY[key]


def test_resolve_left_out_in_name_order(db, world):
    assert [e.name for e in resolved(db, world).excluded] == [NAMES[k] for k in WHY]


def test_resolve_receivers_not_left_out(db, world):
    left_out = {e.person_id for e in resolved(db, world).excluded}
    assert not left_out & set(world.ids("alice", "gaston"))


def test_resolve_shared_number_alone_is_deliverable(db, world):
    select_people(db, world, world.ids("bruno"), login="ecrivain2")
    result = resolved(db, world, "ecrivain2")
    assert (result.distinct_numbers, result.digest, result.excluded) == (1, numbers_digest(["+33612345601"]), [])


def test_resolve_shared_opted_out_number_says_stop_for_each(db, world):
    db.execute(update(OptOut).values(phone="+33612345601"))
    db.commit()
    why = {e.person_id: e.why for e in resolved(db, world).excluded}
    assert (why[world.people["alice"]], why[world.people["bruno"]]) == (Refusal("opted_out"),) * 2


def test_resolve_withdrawn_opt_out_receives(db, world):
    db.execute(update(OptOut).values(active=False))
    db.commit()
    assert resolved(db, world).digest == numbers_digest([*DELIVERABLE, OPTED_OUT])


def test_resolve_opt_out_of_another_structure_ignored(db, world):
    db.add(OptOut(structure_id=world.structures["other"], phone="+33755443322"))
    db.commit()
    assert resolved(db, world).digest == numbers_digest(DELIVERABLE)


def test_resolve_archived_person_ignored(db, world):
    db.execute(update(Person).where(Person.id == world.people["gaston"]).values(archived=True))
    db.commit()
    result = resolved(db, world)
    assert (result.selected, result.digest) == (6, numbers_digest(["+33612345601"]))


def test_resolve_person_of_another_structure_ignored(db, world):
    own = selections.of_account(db, world.accounts["ecrivain"])
    db.add(SelectionPerson(selection_id=own, person_id=world.other_people["olga"]))
    db.commit()
    result = resolved(db, world)
    assert result.selected == 7
    assert result.digest == numbers_digest(DELIVERABLE)
    assert world.other_people["olga"] not in {e.person_id for e in result.excluded}


def test_resolve_only_this_accounts_selection(db, world):
    assert resolved(db, world, "ecrivain2").selected == 0


def test_resolve_nothing_selected(db, world):
    result = resolved(db, world, "lecteur")
    assert (result.selected, result.distinct_numbers, result.left_out, result.excluded) == (0, 0, {}, [])


def test_resolve_number_typed_differently_is_the_same(db, world):
    twin = add_person(db, world.structure_id, "Zoé", "Zimmer", "+33 6 12 34 56 01")
    select_people(db, world, [twin])
    why = {e.person_id: e.why for e in resolved(db, world).excluded}
    assert why[twin] == Refusal("same_number_as", name="Alice Martin")


def test_quote_total_is_parts_times_numbers(db, world):
    priced = quote(db, world.structure_id, selections.of_account(db, world.accounts["ecrivain"]), "ê" + "a" * 148)
    assert (priced.parts, priced.recipients.distinct_numbers, priced.total) == (3, 2, 6)


def test_quote_counts_message_with_suffix(db, world):
    priced = quote(db, world.structure_id, selections.of_account(db, world.accounts["ecrivain"]), "a" * 150)
    assert priced.count == encoding.count("a" * 150)
    assert priced.total == 4


def test_quote_nobody_costs_nothing(db, world):
    assert quote(db, world.structure_id, selections.of_account(db, world.accounts["lecteur"]), "Bonjour").total == 0


@pytest.mark.parametrize(("parts", "messages", "cost"), [(1, 0, 0), (1, 2, 2), (3, 2, 6), (2, 10_000, 20_000)])
def test_message_cost(parts, messages, cost):
    assert message_cost(parts, messages) == cost


def test_exclusion_why_names_first_holder():
    assert Exclusion(1, "Bruno Martin", "duplicate", "Alice Martin").why == WHY["bruno"]


@pytest.mark.parametrize(("reason", "code"), [("no_mobile", "no_mobile"), ("invalid", "number_invalid"),
                                              ("landline", "number_landline"), ("opted_out", "opted_out")])
def test_exclusion_why_is_a_code(reason, code):
    assert Exclusion(1, "X Y", reason).why == Refusal(code)


def test_resolve_counts_each_reason(db, world):
    assert resolved(db, world).left_out == {"no_mobile": 1, "invalid": 1, "landline": 1, "opted_out": 1,
                                            "duplicate": 1}


def test_resolve_names_at_most_shown_but_counts_all(db, world):
    result = resolve(db, world.structure_id, selections.of_account(db, world.accounts["ecrivain"]), shown=2)
    assert ([e.name for e in result.excluded], result.excluded_count) == ([NAMES["bruno"], NAMES["chloe"]], 5)


def test_exclusions_page_continues_in_name_order(db, world):
    page = exclusions(db, world.structure_id, selections.of_account(db, world.accounts["ecrivain"]), 2, 2)
    assert [e.why for e in page] == [WHY["david"], WHY["emma"]]


def test_exclusions_duplicate_names_holder_across_pages(db, world):
    page = exclusions(db, world.structure_id, selections.of_account(db, world.accounts["ecrivain"]), 0, 1)
    assert page == [Exclusion(world.people["bruno"], NAMES["bruno"], "duplicate", NAMES["alice"])]


def _reference(db, structure_id: int, selection_id: int) -> tuple[int, dict[str, list[int]], list[tuple]]:
    """The recipients rules, one person at a time in Python: the oracle the SQL must agree with."""
    from sqlalchemy import and_, select

    rows = db.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.mobile_kind, Person.mobile_e164)
        .join(SelectionPerson, and_(SelectionPerson.person_id == Person.id,
                                    SelectionPerson.selection_id == selection_id))
        .where(Person.structure_id == structure_id, Person.archived.is_(False))
        .order_by(Person.last_name_key, Person.first_name_key, Person.id)).all()
    stop = set(db.scalars(select(OptOut.phone).where(OptOut.structure_id == structure_id, OptOut.active.is_(True))))
    kinds = {"none": "no_mobile", "landline": "landline"}
    numbers: dict[str, list[int]] = {}
    holder: dict[str, str] = {}
    left_out = []
    for pid, first, last, kind, e164 in rows:
        name = f"{first} {last}"
        if kind != "mobile" or not e164:
            left_out.append((pid, name, kinds.get(kind, "invalid"), ""))
        elif e164 in stop:
            left_out.append((pid, name, "opted_out", ""))
        elif e164 in numbers:
            numbers[e164].append(pid)
            left_out.append((pid, name, "duplicate", holder[e164]))
        else:
            numbers[e164], holder[e164] = [pid], name
    return len(rows), numbers, left_out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resolve_agrees_with_one_by_one_rules(db, seed):
    import random

    from tutti.directory.people import fold
    from tutti.models import Account, Structure

    rng = random.Random(seed)
    structure = Structure(name=f"Aléa {seed}", sms_option=True, sender_name="ALEA")
    db.add(structure)
    db.flush()
    account = Account(structure_id=structure.id, kind="personal", login=f"alea{seed}", password_hash="x")
    db.add(account)
    phones = [f"+336{n:08d}" for n in rng.sample(range(10**8), 40)]
    people = []
    for i in range(300):
        kind = rng.choice(["mobile"] * 6 + ["none", "landline", "invalid"])
        e164 = {"mobile": rng.choice(phones), "landline": f"+3312{i:07d}"}.get(kind)
        first, last = rng.choice(["Élodie", "Zoé", "Jean"]), rng.choice(["Martin", "Émery", "Noël"])
        people.append(Person(structure_id=structure.id, first_name=first, last_name=last, first_name_key=fold(first),
                             last_name_key=fold(last), mobile_kind=kind, mobile_e164=e164,
                             archived=rng.random() < 0.05))
    db.add_all(people)
    db.add_all([OptOut(structure_id=structure.id, phone=p, active=rng.random() < 0.7) for p in phones[:6]])
    db.flush()
    selection_id = selections.of_account(db, account.id)
    db.add_all([SelectionPerson(selection_id=selection_id, person_id=p.id) for p in people if rng.random() < 0.8])
    db.commit()
    selected, numbers, left_out = _reference(db, structure.id, selection_id)
    result = resolve(db, structure.id, selection_id, shown=1000)
    figures = (result.selected, result.distinct_numbers, result.digest)
    assert figures == (selected, len(numbers), numbers_digest(numbers))
    assert [(e.person_id, e.name, e.reason, e.same_as) for e in result.excluded] == left_out
    by_reason = {r: sum(1 for x in left_out if x[2] == r) for r in {x[2] for x in left_out}}
    assert result.left_out == by_reason
