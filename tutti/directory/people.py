"""The person list: filters, sorting and paging, scoped to one structure (selections: directory.selections)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import Integer, and_, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.functions import FunctionElement

from tutti.directory.phones import parse_mobile
from tutti.models import Person, SelectionPerson, Structure, Tag, person_tags
from tutti.paging import Page, paginate
from tutti.params import to_int
from tutti.refusals import NotFound, Refusal, Refused

MAX_QUERY_LENGTH = 100
SEXES = {"F": "F", "M": "M"}


def fold(text: str) -> str:
    """Fold case and accents so that « Émile » sorts and matches like « emile »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class PersonFilter:
    """What the person list is filtered by; anything unusable is simply ignored."""

    q: str = ""
    tag_id: int | None = None
    sexe: str = ""

    @classmethod
    def from_args(cls, args) -> PersonFilter:
        """Build a filter from request arguments, dropping what makes no sense."""
        q = "".join(ch for ch in str(args.get("q", ""))[:MAX_QUERY_LENGTH] if ch.isprintable()).strip()
        tag = str(args.get("tag", ""))
        sexe = str(args.get("sexe", ""))
        return cls(
            q=q,
            tag_id=to_int(tag),
            sexe=sexe if sexe in SEXES else "",
        )

    def as_args(self) -> dict[str, str]:
        """Return the filter as query arguments, leaving out what is not set."""
        args = {"q": self.q, "tag": str(self.tag_id or ""), "sexe": self.sexe}
        return {k: v for k, v in args.items() if v}


class position_of(FunctionElement):
    """The 1-based position of a substring, 0 when absent (instr on SQLite, strpos on PostgreSQL)."""

    type = Integer()
    inherit_cache = True


@compiles(position_of)
def _strpos(element, compiler, **kw) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


@compiles(position_of, "sqlite")
def _instr(element, compiler, **kw) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


def matching_ids(structure_id: int, flt: PersonFilter) -> Select:
    """Return a SELECT of the ids of the structure's people that match the filter."""
    query = select(Person.id).where(Person.structure_id == structure_id, Person.archived.is_(False))
    if flt.q:
        for word in fold(flt.q).split():
            # A plain substring search on the folded keys: no pattern to escape, no case folding to
            # redo, and several times cheaper than LIKE '%…%' on SQLite.
            query = query.where(
                (position_of(Person.last_name_key, word) > 0) | (position_of(Person.first_name_key, word) > 0)
            )
    if flt.tag_id is not None:
        query = query.where(
            exists().where(and_(person_tags.c.person_id == Person.id, person_tags.c.tag_id == flt.tag_id))
        )
    if flt.sexe:
        query = query.where(Person.sexe == flt.sexe)
    return query


@dataclass(frozen=True)
class ListedPerson:
    """A row of the person list: what the table shows, whether it is ticked, and its tag names."""

    id: int
    first_name: str
    last_name: str
    sexe: str
    mobile_kind: str
    mobile_e164: str | None
    mobile_raw: str
    selected: bool
    tags: tuple[str, ...]


def page_of_people(
    db: Session, structure_id: int, selection_id: int, flt: PersonFilter, requested: object, size: int
) -> tuple[Page, list[ListedPerson]]:
    """Return the page asked for (the last past the end) and its matching people by name, ticked or not."""
    matches = matching_ids(structure_id, flt)
    page = paginate(requested, db.scalar(select(func.count()).select_from(matches.subquery())) or 0, size)
    # Selecting the people directly (not WHERE id IN …) lets the database walk the sort index and
    # stop at the page, instead of sorting every match; the selection comes along in the same
    # statement, and plain rows cost less than ORM objects on the list's hot path.
    rows = db.execute(
        matches.with_only_columns(Person.id, Person.first_name, Person.last_name, Person.sexe, Person.mobile_kind,
                                  Person.mobile_e164, Person.mobile_raw, SelectionPerson.person_id.is_not(None))
        .outerjoin(SelectionPerson, and_(SelectionPerson.selection_id == selection_id,
                                         SelectionPerson.person_id == Person.id))
        .order_by(Person.last_name_key, Person.first_name_key, Person.id)
        .offset(page.offset)
        .limit(page.size)
    ).all()
    tags: dict[int, list[str]] = {}
    if rows:
        for person_id, name in db.execute(
            select(person_tags.c.person_id, Tag.name).join(Tag, Tag.id == person_tags.c.tag_id)
            .where(person_tags.c.person_id.in_([r[0] for r in rows])).order_by(Tag.name)
        ):
            tags.setdefault(person_id, []).append(name)
    return page, [ListedPerson(*row[:7], bool(row[7]), tuple(tags.get(row[0], ()))) for row in rows]


def all_results_selected(db: Session, structure_id: int, selection_id: int, flt: PersonFilter) -> bool:
    """Say whether every person matching the filter is selected (and there is at least one)."""
    ids = matching_ids(structure_id, flt)
    unselected = ids.where(
        ~exists().where(and_(SelectionPerson.selection_id == selection_id, SelectionPerson.person_id == Person.id))
    )
    any_match, any_unselected = db.execute(select(exists(ids), exists(unselected))).one()
    return bool(any_match) and not any_unselected


def structure_tags(db: Session, structure_id: int) -> list[Tag]:
    """Return the structure's tags, sorted by name."""
    return list(db.scalars(select(Tag).where(Tag.structure_id == structure_id).order_by(Tag.name)))


def new_person(structure: Structure, first_name: str, last_name: str, mobile: str = "", sexe: str = "",
               **columns) -> Person:
    """Return a new person of the structure (not yet added), its mobile read in the structure's region."""
    person = Person(structure_id=structure.id, sexe=sexe, **columns)
    rename(person, first_name, last_name)
    set_mobile(person, mobile, structure.phone_region)
    return person


def rename(person: Person, first_name: str | None = None, last_name: str | None = None) -> None:
    """Set the names given, with the folded keys the list sorts and searches by."""
    if first_name is not None:
        person.first_name, person.first_name_key = first_name, fold(first_name)
    if last_name is not None:
        person.last_name, person.last_name_key = last_name, fold(last_name)


def set_mobile(person: Person, mobile: str | None, region: str) -> None:
    """Set the mobile as typed, with its E.164 form and its kind read in the structure's region."""
    phone = parse_mobile(mobile, region)
    person.mobile_raw, person.mobile_e164, person.mobile_kind = phone.raw, phone.e164, phone.kind


def create_person(db: Session, structure_id: int, first_name: str, last_name: str, mobile: str = "",
                  sexe: str = "") -> Person:
    """Add a person to a structure's list, with the mobile read in the structure's region."""
    structure = db.get(Structure, structure_id)
    if structure is None:
        raise NotFound("structure_not_found")
    first, last = first_name.strip(), last_name.strip()
    if not first or not last or len(first) > 100 or len(last) > 100:
        raise Refused(Refusal("names_required"))
    if sexe not in ("", "F", "M"):
        raise Refused(Refusal("sexe_invalid"))
    person = new_person(structure, first, last, mobile, sexe)
    db.add(person)
    db.commit()
    return person


def structure_person(db: Session, structure_id: int, person_id: int) -> Person:
    """Return a person of the structure, or raise NotFound."""
    person = db.get(Person, person_id)
    if person is None or person.structure_id != structure_id:
        raise NotFound("person_not_found")
    return person
