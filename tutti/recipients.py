"""From a selection to the numbers an SMS goes to, who is left out and why, and what it costs.

`quote` is the one function that prices a send: the recap shows it, Envoyer reserves it, and the
job's capture can never exceed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from tutti import encoding
from tutti.models import Person, Selection
from tutti.phones import KIND_INVALID, KIND_LANDLINE, KIND_MOBILE, KIND_NONE
from tutti.sms_models import OptOut

REASON_NO_MOBILE, REASON_INVALID, REASON_LANDLINE, REASON_DUPLICATE, REASON_OPTED_OUT = (
    "no_mobile", "invalid", "landline", "duplicate", "opted_out")
REASON_LABELS = {
    REASON_NO_MOBILE: "pas de mobile",
    REASON_INVALID: "numéro invalide",
    REASON_LANDLINE: "numéro fixe",
    REASON_DUPLICATE: "même numéro que",
    REASON_OPTED_OUT: "désinscrit (STOP)",
}
_KIND_REASONS = {KIND_NONE: REASON_NO_MOBILE, KIND_INVALID: REASON_INVALID, KIND_LANDLINE: REASON_LANDLINE}


@dataclass(frozen=True)
class Exclusion:
    """A selected person who will not receive the SMS, and why."""

    person_id: int
    name: str
    reason: str
    same_as: str = ""

    @property
    def label(self) -> str:
        """Return the reason in the words on screen."""
        text = REASON_LABELS[self.reason]
        return f"{text} {self.same_as}" if self.reason == REASON_DUPLICATE else text


@dataclass
class Recipients:
    """The distinct deliverable numbers of a selection, with the people each stands for."""

    selected: int = 0
    numbers: dict[str, list[int]] = field(default_factory=dict)
    excluded: list[Exclusion] = field(default_factory=list)


@dataclass(frozen=True)
class Quote:
    """What a send costs: SMS per message times distinct deliverable numbers."""

    count: encoding.SmsCount
    recipients: Recipients

    @property
    def parts(self) -> int:
        """Return the SMS each recipient costs."""
        return self.count.parts

    @property
    def total(self) -> int:
        """Return the SMS the whole send costs."""
        return message_cost(self.count.parts, len(self.recipients.numbers))


def message_cost(parts: int, messages: int) -> int:
    """Return what `messages` SMS of `parts` parts each cost: the one pricing rule."""
    return parts * messages


def resolve(db: Session, structure_id: int, account_id: int) -> Recipients:
    """Turn the account's selection into distinct deliverable numbers and exclusions."""
    rows = db.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.mobile_kind, Person.mobile_e164)
        .join(Selection, and_(Selection.person_id == Person.id, Selection.account_id == account_id))
        .where(Person.structure_id == structure_id, Person.archived.is_(False))
        .order_by(Person.last_name_key, Person.first_name_key, Person.id)
    ).all()
    opted_out = set(db.scalars(select(OptOut.phone).where(OptOut.structure_id == structure_id,
                                                           OptOut.active.is_(True))))
    result = Recipients(selected=len(rows))
    first_holder: dict[str, str] = {}
    for person_id, first, last, kind, e164 in rows:
        name = f"{first} {last}"
        if kind != KIND_MOBILE or not e164:
            result.excluded.append(Exclusion(person_id, name, _KIND_REASONS.get(kind, REASON_INVALID)))
        elif e164 in opted_out:
            result.excluded.append(Exclusion(person_id, name, REASON_OPTED_OUT))
        elif e164 in result.numbers:
            result.numbers[e164].append(person_id)
            result.excluded.append(Exclusion(person_id, name, REASON_DUPLICATE, first_holder[e164]))
        else:
            result.numbers[e164] = [person_id]
            first_holder[e164] = name
    return result


def quote(db: Session, structure_id: int, account_id: int, message: str) -> Quote:
    """Price sending the message to the account's current selection."""
    return Quote(encoding.count(message), resolve(db, structure_id, account_id))
