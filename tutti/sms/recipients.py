"""From a selection to the numbers an SMS goes to, and who is left out and why (`tutti.sms.cost` prices it).

The database does the counting: a selection of 20,000 people costs three statements and only the
distinct numbers (for their fingerprint) and the first people left out come back to Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, null, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from tutti.directory.phones import KIND_LANDLINE, KIND_MOBILE, KIND_NONE
from tutti.models import OptOut, Person, SelectionPerson
from tutti.refusals import Refusal

REASON_NO_MOBILE, REASON_INVALID, REASON_LANDLINE, REASON_DUPLICATE, REASON_OPTED_OUT = (
    "no_mobile", "invalid", "landline", "duplicate", "opted_out")
REASONS = (REASON_NO_MOBILE, REASON_INVALID, REASON_LANDLINE, REASON_OPTED_OUT, REASON_DUPLICATE)
# Why each person is left out, worded by the web layer; a shared number also names who receives it (`Exclusion.why`).
REASONS_WHY = {
    REASON_NO_MOBILE: Refusal("no_mobile"),
    REASON_INVALID: Refusal("number_invalid"),
    REASON_LANDLINE: Refusal("number_landline"),
    REASON_OPTED_OUT: Refusal("opted_out"),
}
# How many people left out the recap names; every reason's count stays exact, and the whole list
# has its own page.
EXCLUDED_SHOWN = 200


@dataclass(frozen=True)
class Exclusion:
    """A selected person who will not receive the SMS, and why."""

    person_id: int
    name: str
    reason: str
    same_as: str = ""

    @property
    def why(self) -> Refusal:
        """Say why the person is left out; for a shared number, who receives it."""
        if self.reason == REASON_DUPLICATE:
            return Refusal("same_number_as", name=self.same_as)
        return REASONS_WHY[self.reason]


@dataclass(frozen=True)
class Recipients:
    """What a selection reaches: people selected, distinct deliverable numbers, who is left out and why."""

    selected: int = 0
    distinct_numbers: int = 0
    # Fingerprint of the distinct numbers: a swapped recipient changes it even at the same cost.
    digest: str = ""
    left_out: dict[str, int] = field(default_factory=dict)
    # The first people left out, in name order (at most EXCLUDED_SHOWN of them).
    excluded: list[Exclusion] = field(default_factory=list)

    @property
    def excluded_count(self) -> int:
        """Return how many selected people will not receive the SMS."""
        return sum(self.left_out.values())


def numbers_digest(numbers: Iterable[str]) -> str:
    """Fingerprint a set of numbers, whatever order they come in."""
    return hashlib.sha256("\n".join(sorted(numbers)).encode("ascii", "replace")).hexdigest()[:32]


def selected_people(structure_id: int, selection_id: int, *columns) -> Select:
    """Return a SELECT of `columns` over the selection's unarchived people of the structure."""
    return (
        select(*columns).select_from(Person)
        .join(SelectionPerson, and_(SelectionPerson.person_id == Person.id,
                                    SelectionPerson.selection_id == selection_id))
        .where(Person.structure_id == structure_id, Person.archived.is_(False))
    )


def _has_mobile() -> ColumnElement[bool]:
    return and_(Person.mobile_kind == KIND_MOBILE, Person.mobile_e164.is_not(None), Person.mobile_e164 != "")


def _opted_out(structure_id: int) -> ColumnElement[bool]:
    return exists().where(OptOut.structure_id == structure_id, OptOut.active.is_(True),
                          OptOut.phone == Person.mobile_e164)


def deliverable(structure_id: int) -> ColumnElement[bool]:
    """Return the condition a person's number must meet to receive an SMS (one per number aside)."""
    return and_(_has_mobile(), ~_opted_out(structure_id))


def _reason(stopped: ColumnElement[bool]) -> ColumnElement[str]:
    """The reason a person is left out before duplicates are considered; NULL when deliverable."""
    return case(
        (Person.mobile_kind == KIND_NONE, REASON_NO_MOBILE),
        (Person.mobile_kind == KIND_LANDLINE, REASON_LANDLINE),
        (~_has_mobile(), REASON_INVALID),
        (stopped, REASON_OPTED_OUT),
        else_=null(),
    )


def _deliverable_numbers(db: Session, structure_id: int, selection_id: int) -> list[tuple[str, int]]:
    """Return each distinct deliverable number of the selection with how many selected people have it."""
    return [tuple(row) for row in db.execute(
        selected_people(structure_id, selection_id, Person.mobile_e164, func.count())
        .where(deliverable(structure_id)).group_by(Person.mobile_e164)
    )]


def resolve(db: Session, structure_id: int, selection_id: int, shown: int | None = None) -> Recipients:
    """Count what the selection reaches, and name the first `shown` people left out."""
    shown = EXCLUDED_SHOWN if shown is None else shown
    has_mobile = _has_mobile()
    # Plain conditions on the person only: a correlated opt-out test per row would cost PostgreSQL
    # a sub-plan per person. Opted-out people are those with a mobile who are not deliverable.
    kinds = db.execute(selected_people(
        structure_id, selection_id,
        func.count(),
        func.count(case((Person.mobile_kind == KIND_NONE, 1))),
        func.count(case((Person.mobile_kind == KIND_LANDLINE, 1))),
        func.count(case((and_(Person.mobile_kind != KIND_NONE, Person.mobile_kind != KIND_LANDLINE,
                              ~has_mobile), 1))),
        func.count(case((has_mobile, 1))),
    )).one()
    selected, no_mobile, landline, invalid, with_mobile = (int(n or 0) for n in kinds)
    numbers = _deliverable_numbers(db, structure_id, selection_id)
    reached = sum(people for _, people in numbers)
    left_out = {REASON_NO_MOBILE: no_mobile, REASON_INVALID: invalid, REASON_LANDLINE: landline,
                REASON_OPTED_OUT: with_mobile - reached, REASON_DUPLICATE: reached - len(numbers)}
    excluded = []
    if shown and sum(left_out.values()):
        shared = [number for number, people in numbers if people > 1]
        excluded = exclusions(db, structure_id, selection_id, 0, shown, shared)
    return Recipients(selected=selected, distinct_numbers=len(numbers), digest=numbers_digest(n for n, _ in numbers),
                      left_out={k: v for k, v in left_out.items() if v}, excluded=excluded)


def exclusions(db: Session, structure_id: int, selection_id: int, offset: int, limit: int,
               shared_numbers: list[str] | None = None) -> list[Exclusion]:
    """Return the people left out, in name order, from the `offset`-th, at most `limit` of them.

    `shared_numbers` (deliverable numbers of more than one selected person) spares a query when known.
    """
    # The opt-out list joined once (a number is listed at most once per structure), not tested per row.
    stopped = OptOut.id.is_not(None)
    query = (
        selected_people(structure_id, selection_id, Person.id, Person.first_name, Person.last_name,
                        Person.mobile_e164, _reason(stopped).label("reason"))
        .outerjoin(OptOut, and_(OptOut.structure_id == structure_id, OptOut.active.is_(True),
                                OptOut.phone == Person.mobile_e164))
        .order_by(Person.last_name_key, Person.first_name_key, Person.id)
    )
    # The shared numbers go in as one list the database hashes: a correlated sub-query per person, or a
    # grouped one joined, is at the mercy of the planner's statistics, and freshly loaded tables have none
    # (SQLite then scans the whole structure once per person).
    if shared_numbers is None:
        shared_numbers = [n for n, people in _deliverable_numbers(db, structure_id, selection_id) if people > 1]
    shared = Person.mobile_e164.in_(shared_numbers)
    query = query.where(or_(~_has_mobile(), stopped, shared))
    found: list[Exclusion] = []
    holders: dict[str, str] = {}  # a shared number's first deliverable person, in name order
    skipped = 0
    # Rows come in name order, so a number's holder is always met before the people sharing it.
    result = db.execute(query.execution_options(yield_per=500))
    try:
        for person_id, first, last, phone, reason in result:
            name = f"{first} {last}"
            if reason is None:
                if phone not in holders:
                    holders[phone] = name
                    continue
                exclusion = Exclusion(person_id, name, REASON_DUPLICATE, holders[phone])
            else:
                exclusion = Exclusion(person_id, name, reason)
            if skipped < offset:
                skipped += 1
                continue
            found.append(exclusion)
            if len(found) >= limit:
                break
    finally:
        result.close()
    return found


@dataclass(frozen=True)
class Receiver:
    """A selected person the SMS goes to: the first, in name order, of the people sharing a number."""

    person_id: int
    name: str
    phone: str


def receivers(db: Session, structure_id: int, selection_id: int, offset: int, limit: int) -> list[Receiver]:
    """Return the people the SMS goes to, one per distinct deliverable number, in name order, a page at a time."""
    query = (
        selected_people(structure_id, selection_id, Person.id, Person.first_name, Person.last_name,
                        Person.mobile_e164)
        .where(deliverable(structure_id))
        .order_by(Person.last_name_key, Person.first_name_key, Person.id)
    )
    found: list[Receiver] = []
    seen: set[str] = set()
    skipped = 0
    result = db.execute(query.execution_options(yield_per=500))
    try:
        for person_id, first, last, phone in result:
            if phone in seen:
                continue  # the number's first holder, met before, receives it (the recap lists the others)
            seen.add(phone)
            if skipped < offset:
                skipped += 1
                continue
            found.append(Receiver(person_id, f"{first} {last}", phone))
            if len(found) >= limit:
                break
    finally:
        result.close()
    return found
