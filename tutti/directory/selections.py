"""Selections: the people ticked in one window, with a version that goes up at every change.

A browser tab's person list, an embed panel and a host portal's page each make their own selection, so another
tab or panel of the same account never replaces it. Every change bumps the selection's version in the same
transaction, first, so that changes to one selection are serialised by its row and each version names one set
of people: a recap counts a version, and Envoyer sends only while the selection is still at that version.

Every function takes ids checked by `owned` (or made by `create`): an account only ever reaches its own
selections, of its own structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, and_, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import Select

from tutti.directory.people import PersonFilter, matching_ids
from tutti.models import (
    SELECTION_ACCOUNT,
    SELECTION_ORIGINS,
    Account,
    Person,
    Selection,
    SelectionPerson,
    utcnow,
)

# A window's selection unused for this long is forgotten when its account opens another window (a recap's
# token lives 30 minutes; a tab left open for days finds its selection gone and says so).
KEEP = timedelta(days=2)


@dataclass(frozen=True)
class State:
    """What a selection holds now: its version and how many people (archived people no longer count)."""

    id: int
    version: int
    count: int


def create(db: Session, account_id: int, structure_id: int, origin: str) -> Selection:
    """Make an empty selection for a new window; forget the account's windows unused for a long time."""
    if origin not in SELECTION_ORIGINS:
        raise ValueError(f"unknown selection origin {origin!r}")
    _forget_old(db, account_id)
    now = utcnow()
    selection = Selection(account_id=account_id, structure_id=structure_id, origin=origin, version=0,
                          created_at=now, updated_at=now)
    db.add(selection)
    db.flush()
    return selection


def _forget_old(db: Session, account_id: int) -> None:
    old = select(Selection.id).where(Selection.account_id == account_id, Selection.origin != SELECTION_ACCOUNT,
                                     Selection.updated_at < utcnow() - KEEP)
    ids = list(db.scalars(old.limit(500)))
    if ids:
        db.execute(delete(SelectionPerson).where(SelectionPerson.selection_id.in_(ids)),
                   execution_options={"synchronize_session": False})
        db.execute(delete(Selection).where(Selection.id.in_(ids)), execution_options={"synchronize_session": False})


def owned(db: Session, selection_id: int | None, account_id: int, structure_id: int | None) -> Selection | None:
    """Return the selection if it is this account's, of this structure; None otherwise (unknown or another's)."""
    if selection_id is None or structure_id is None:
        return None
    return db.scalar(select(Selection).where(Selection.id == selection_id, Selection.account_id == account_id,
                                             Selection.structure_id == structure_id))


def account_selection(db: Session, account_id: int, structure_id: int) -> Selection:
    """Return the account's own selection, used by a client that names none; made on first use."""
    found = db.scalar(select(Selection).where(Selection.account_id == account_id,
                                              Selection.structure_id == structure_id,
                                              Selection.origin == SELECTION_ACCOUNT).order_by(Selection.id).limit(1))
    return found if found is not None else create(db, account_id, structure_id, SELECTION_ACCOUNT)


def of_account(db: Session, account_id: int) -> int:
    """Return the id of the account's own selection in its structure (for scripts and the command line)."""
    structure_id = db.scalar(select(Account.structure_id).where(Account.id == account_id))
    if structure_id is None:
        raise ValueError(f"account {account_id} belongs to no structure")
    return account_selection(db, account_id, structure_id).id


def bump(db: Session, selection_id: int) -> None:
    """Take the selection's row and raise its version: the first statement of every change."""
    db.execute(update(Selection).where(Selection.id == selection_id)
               .values(version=Selection.version + 1, updated_at=utcnow()),
               execution_options={"synchronize_session": False})


def tick(db: Session, selection_id: int, structure_id: int, person_ids: list[int], selected: bool) -> None:
    """Tick or untick people; ids of another structure, archived people or unknown ids are ignored."""
    bump(db, selection_id)
    mine = select(Person.id).where(Person.structure_id == structure_id, Person.id.in_(person_ids))
    if selected:
        _insert(db, selection_id, mine.where(Person.archived.is_(False), Person.id.not_in(_members(selection_id))))
    else:
        _remove(db, selection_id, mine)


def select_all(db: Session, selection_id: int, structure_id: int, flt: PersonFilter, selected: bool) -> None:
    """Tick (or untick) every person matching the filter, on every page."""
    bump(db, selection_id)
    ids = matching_ids(structure_id, flt)
    if selected:
        _insert(db, selection_id, ids.where(Person.id.not_in(_members(selection_id))))
    else:
        _remove(db, selection_id, ids)


def clear(db: Session, selection_id: int) -> None:
    """Untick everyone."""
    bump(db, selection_id)
    db.execute(delete(SelectionPerson).where(SelectionPerson.selection_id == selection_id),
               execution_options={"synchronize_session": False})


def replace(db: Session, selection_id: int, structure_id: int, person_ids: list[int]) -> None:
    """Make these people (of the structure, not archived) the whole selection."""
    clear(db, selection_id)
    if person_ids:
        tick(db, selection_id, structure_id, person_ids, True)


def _members(selection_id: int) -> Select:
    return select(SelectionPerson.person_id).where(SelectionPerson.selection_id == selection_id)


def _insert(db: Session, selection_id: int, person_ids: Select) -> None:
    rows = person_ids.with_only_columns(literal(selection_id, Integer), Person.id)
    db.execute(insert(SelectionPerson).from_select(["selection_id", "person_id"], rows))


def _remove(db: Session, selection_id: int, person_ids: Select) -> None:
    db.execute(delete(SelectionPerson).where(SelectionPerson.selection_id == selection_id,
                                             SelectionPerson.person_id.in_(person_ids)),
               execution_options={"synchronize_session": False})


def _counted(selection_id: int) -> Select:
    return (select(func.count()).select_from(SelectionPerson)
            .join(Person, and_(Person.id == SelectionPerson.person_id, Person.archived.is_(False)))
            .where(SelectionPerson.selection_id == selection_id))


def count(db: Session, selection_id: int) -> int:
    """Return how many people the selection holds (archived people no longer count)."""
    return db.scalar(_counted(selection_id)) or 0


def state(db: Session, selection_id: int) -> State:
    """Return the selection's version and count, read in one statement so that the count is that version's."""
    row = db.execute(select(Selection.version, _counted(selection_id).scalar_subquery())
                     .where(Selection.id == selection_id)).one_or_none()
    return State(selection_id, row[0] or 0, row[1] or 0) if row is not None else State(selection_id, 0, 0)


def version(db: Session, selection_id: int) -> int | None:
    """Return the selection's version, or None when it no longer exists."""
    return db.scalar(select(Selection.version).where(Selection.id == selection_id))


def is_selected(selection_id: int):
    """Return the condition « this person is in the selection », for a query over people."""
    return exists().where(and_(SelectionPerson.selection_id == selection_id, SelectionPerson.person_id == Person.id))


def people(db: Session, structure_id: int, selection_id: int) -> list[Person]:
    """Return the selected people of the structure, sorted by name, with their tags."""
    return list(
        db.scalars(
            select(Person)
            .join(SelectionPerson, and_(SelectionPerson.person_id == Person.id,
                                        SelectionPerson.selection_id == selection_id))
            .where(Person.structure_id == structure_id, Person.archived.is_(False))
            .order_by(Person.last_name_key, Person.first_name_key, Person.id)
            .options(selectinload(Person.tags))
        )
    )


def hold(db: Session, selection_id: int, expected_version: int) -> bool:
    """Take the selection's row if it is still at the version a recap counted; False when it changed.

    Envoyer calls it first in its transaction: a tick waiting on the row lands after the campaign is written,
    and the campaign holds exactly the people of that version.
    """
    taken = db.execute(
        update(Selection).where(Selection.id == selection_id, Selection.version == expected_version)
        .values(updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    return taken == 1
