"""People and tags pushed by a host portal, found by the portal's own ids (`external_id`), scoped to one structure.

Each batch is checked whole before anything is written: one bad item refuses the batch, with a reason per item
(a `Refusal`, worded by the API), and nothing is half-written. Numbers are read exactly as the app reads them
(`tutti.directory.phones`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tutti.directory import people
from tutti.directory.phones import MAX_RAW_LENGTH
from tutti.models import Person, Structure, Tag
from tutti.refusals import Refusal, Refused

MAX_BATCH = 1000
MAX_EXTERNAL_ID = 100
PERSON_FIELDS = {"external_id", "first_name", "last_name", "mobile", "sexe", "archived", "tags"}
TAG_FIELDS = {"external_id", "name"}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one item of a batch: its index, the field at fault, and why."""

    index: int
    field: str
    refusal: Refusal


class SyncRefused(Refused):
    """The batch was refused; `problems` says why, item by item, and nothing was written."""

    def __init__(self, problems: list[Problem], status: int = 422):
        super().__init__(*(p.refusal for p in problems))
        self.problems = problems
        self.status = status


@dataclass
class Outcome:
    """What a batch did: one row per item, in the order given."""

    items: list[dict] = field(default_factory=list)

    @property
    def created(self) -> int:
        """Count the rows the batch created."""
        return sum(1 for item in self.items if item["created"])


def external_id(value: object) -> str | None:
    """Return a portal's id as text (1 to 100 printable characters), or None when it is not one."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not 1 <= len(value) <= MAX_EXTERNAL_ID or not value.isprintable():
        return None
    return value


def _text(item: dict, name: str, index: int, problems: list[Problem], required: Refusal) -> str | None:
    """Return a required text of at most `required["max"]` characters, or record `required` as its problem."""
    value = item.get(name)
    if (not isinstance(value, str) or not value.strip() or len(value.strip()) > required["max"]
            or not value.isprintable()):
        problems.append(Problem(index, name, required))
        return None
    return value.strip()


def _check_items(items: object, allowed: set[str], what: str) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise SyncRefused([Problem(0, what, Refusal("batch_empty"))], 400)
    if len(items) > MAX_BATCH:
        raise SyncRefused([Problem(0, what, Refusal("batch_too_large", max=MAX_BATCH))], 413)
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Problem(index, "", Refusal("item_not_object")))
            continue
        unknown = sorted(set(item) - allowed)
        if unknown:
            problems.append(Problem(index, unknown[0], Refusal("field_unknown", name=unknown[0])))
        external = external_id(item.get("external_id"))
        if external is None:
            problems.append(Problem(index, "external_id", Refusal("external_id_required", max=MAX_EXTERNAL_ID)))
        elif external in seen:
            problems.append(Problem(index, "external_id", Refusal("external_id_twice", external_id=external)))
        else:
            seen.add(external)
    if problems:
        raise SyncRefused(problems)
    return items  # type: ignore[return-value]


def upsert_tags(db: Session, structure_id: int, items: object) -> Outcome:
    """Create or rename the structure's tags by their external ids."""
    items = _check_items(items, TAG_FIELDS, "tags")
    problems: list[Problem] = []
    names = {}
    for index, item in enumerate(items):
        name = _text(item, "name", index, problems, Refusal("tag_name_required", max=80))
        if name is not None:
            names[index] = " ".join(name.split())
    if problems:
        raise SyncRefused(problems)
    existing = {t.external_id: t for t in db.scalars(select(Tag).where(Tag.structure_id == structure_id))
                if t.external_id is not None}
    by_name = {t.name.casefold(): t for t in db.scalars(select(Tag).where(Tag.structure_id == structure_id))}
    outcome = Outcome()
    for index, item in enumerate(items):
        external, name = external_id(item["external_id"]), names[index]
        tag = existing.get(external)
        clash = by_name.get(name.casefold())
        created = False
        if tag is None and clash is not None and clash.external_id is None:
            tag = clash  # a tag made in Tutti under the same name becomes the portal's
        elif clash is not None and clash is not tag:
            problems.append(Problem(index, "name", Refusal("tag_name_taken", name=clash.name)))
            continue
        if tag is None:
            tag, created = Tag(structure_id=structure_id, name=name, external_id=external), True
            db.add(tag)
        else:
            by_name.pop(tag.name.casefold(), None)
        tag.name, tag.external_id = name, external
        by_name[name.casefold()] = existing[external] = tag
        outcome.items.append({"external_id": external, "tag": tag, "created": created})
    _commit(db, problems)
    for item in outcome.items:
        tag = item.pop("tag")
        item.update(id=tag.id, name=tag.name)
    return outcome


def _commit(db: Session, problems: list[Problem]) -> None:
    if problems:
        db.rollback()
        raise SyncRefused(problems)
    try:
        db.commit()
    except IntegrityError as error:
        db.rollback()
        raise SyncRefused([Problem(0, "external_id", Refusal("batch_conflict"))], 409) from error


def _person_values(item: dict, index: int, problems: list[Problem], partial: bool) -> dict:
    values: dict = {}
    for name, required in (("first_name", Refusal("first_name_required", max=100)),
                           ("last_name", Refusal("last_name_required", max=100))):
        if name in item or not partial:
            values[name] = _text(item, name, index, problems, required)
    if "mobile" in item:
        mobile = item["mobile"]
        if mobile is None:
            mobile = ""
        if not isinstance(mobile, str) or len(mobile.strip()) > MAX_RAW_LENGTH:
            problems.append(Problem(index, "mobile", Refusal("mobile_too_long", max=MAX_RAW_LENGTH)))
        else:
            values["mobile"] = mobile
    if "sexe" in item:
        sexe = item["sexe"] if item["sexe"] is not None else ""
        if sexe not in ("", "F", "M"):
            problems.append(Problem(index, "sexe", Refusal("sexe_invalid")))
        values["sexe"] = sexe
    if "archived" in item:
        if not isinstance(item["archived"], bool):
            problems.append(Problem(index, "archived", Refusal("archived_not_boolean")))
        values["archived"] = item["archived"]
    if "tags" in item:
        tags = item["tags"]
        ids = [external_id(t) for t in tags] if isinstance(tags, list) else [None]
        if None in ids:
            problems.append(Problem(index, "tags", Refusal("tags_not_list")))
        values["tags"] = ids
    return values


def upsert_people(db: Session, structure_id: int, items: object) -> Outcome:
    """Create or update the structure's people by their external ids; the batch is written whole or not at all."""
    items = _check_items(items, PERSON_FIELDS, "people")
    structure = db.get(Structure, structure_id)
    externals = [external_id(item["external_id"]) for item in items]
    existing = {p.external_id: p for p in db.scalars(
        select(Person).where(Person.structure_id == structure_id, Person.external_id.in_(externals))
        .options(selectinload(Person.tags)))}
    tags = {t.external_id: t for t in db.scalars(select(Tag).where(Tag.structure_id == structure_id))
            if t.external_id is not None}
    problems: list[Problem] = []
    planned = []
    for index, item in enumerate(items):
        values = _person_values(item, index, problems, partial=externals[index] in existing)
        unknown = [t for t in values.get("tags", []) if t is not None and t not in tags]
        if unknown:
            problems.append(Problem(index, "tags", Refusal("tag_unknown", external_id=unknown[0])))
        planned.append(values)
    if problems:
        raise SyncRefused(problems)
    outcome = Outcome()
    for external, values in zip(externals, planned, strict=True):
        person = existing.get(external)
        created = person is None
        if created:
            person = people.new_person(structure, values.pop("first_name"), values.pop("last_name"),
                                       values.pop("mobile", ""), external_id=external, archived=False, tags=[])
            db.add(person)
        _apply(person, values, structure.phone_region, tags)
        outcome.items.append({"external_id": external, "person": person, "created": created})
    _commit(db, [])
    for item in outcome.items:
        person = item.pop("person")
        item.update(id=person.id, mobile_kind=person.mobile_kind, archived=person.archived)
    return outcome


def _apply(person: Person, values: dict, region: str, tags: dict[str, Tag]) -> None:
    people.rename(person, values.get("first_name") or None, values.get("last_name") or None)
    if "mobile" in values:
        people.set_mobile(person, values["mobile"], region)
    if "sexe" in values:
        person.sexe = values["sexe"]
    if "archived" in values:
        person.archived = values["archived"]
    if "tags" in values:
        person.tags = [tags[t] for t in dict.fromkeys(values["tags"])]


def person_by_external_id(db: Session, structure_id: int, ref: str) -> Person | None:
    """Return the structure's person with this external id, or None."""
    wanted = external_id(ref)
    if wanted is None:  # not an id a portal can have given (a NUL byte would not even reach PostgreSQL)
        return None
    return db.scalar(select(Person).where(Person.structure_id == structure_id, Person.external_id == wanted)
                     .options(selectinload(Person.tags)))


def people_ids(db: Session, structure_id: int, externals: list[str]) -> tuple[list[int], list[str]]:
    """Return the ids of the structure's people with these external ids, and the external ids not found."""
    found = dict(db.execute(select(Person.external_id, Person.id).where(
        Person.structure_id == structure_id, Person.external_id.in_(externals))).all())
    return [found[e] for e in externals if e in found], [e for e in externals if e not in found]


def person_as_dict(person: Person) -> dict:
    """Return a person as the API shows it."""
    return {"id": person.id, "external_id": person.external_id, "first_name": person.first_name,
            "last_name": person.last_name, "mobile": person.mobile_raw, "mobile_e164": person.mobile_e164,
            "mobile_kind": person.mobile_kind, "sexe": person.sexe, "archived": person.archived,
            "tags": [t.external_id for t in person.tags if t.external_id is not None]}
