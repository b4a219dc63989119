"""Campaigns: check a message, record a send in one transaction, follow its progress, list them and their messages."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from tutti.directory import selections
from tutti.directory.phones import KIND_MOBILE
from tutti.models import (
    ACCEPTED_STATES,
    CAMPAIGN_CANCELLED,
    CAMPAIGN_QUEUED,
    CAMPAIGN_SCHEDULED,
    MSG_CANCELLED,
    MSG_QUEUED,
    Campaign,
    Message,
    Person,
    Structure,
    message_people,
    utcnow,
)
from tutti.paging import Page, paginate
from tutti.refusals import Refusal
from tutti.sms import credit, encoding, recipients
from tutti.sms.cost import Quote, message_cost

# Anything longer is refused before counting, so that a pasted novel costs no CPU.
MAX_INPUT_CHARS = 2000
# Characters that arrived unreadable (U+FFFD), or a request body that was not UTF-8 (blueprints/sms/forms.py).
ILLEGIBLE = Refusal("message_illegible")


def message_refusals(message: str) -> list[Refusal]:
    """Return each problem of a message; empty when it can be sent."""
    if len(message) > MAX_INPUT_CHARS:
        return [Refusal("message_too_long", max=encoding.MAX_MESSAGE_UNITS)]
    text = encoding.normalise(message)
    if not text.strip():
        return [Refusal("message_empty")]
    refusals = []
    # Line breaks and tabs are text (a tab is merely outside GSM-7); other controls are not.
    controls = {ch for ch in text if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cs")}
    if controls:
        refusals.append(Refusal("message_control_characters"))
    if "\ufffd" in text:
        refusals.append(ILLEGIBLE)
    count = encoding.count(text)
    if count.too_long:
        refusals.append(Refusal("message_too_long_by", max=encoding.MAX_MESSAGE_UNITS, num=-count.units_left))
    return refusals


class InsufficientCredit(Exception):
    """The structure's credit does not cover the send."""

    def __init__(self, needed: int, available: int):
        super().__init__(f"needs {needed}, has {available}")
        self.needed = needed
        self.available = available


@dataclass(frozen=True)
class Created:
    """The campaign Envoyer made, and whether this call made it (False: a replay of the same recap)."""

    campaign_id: int
    new: bool


def create(db: Session, structure: Structure, author_id: int, token: str, message: str, quote: Quote,
           transport: str, scheduled_for: datetime | None = None, *, selection_id: int,
           selection_version: int | None = None) -> Created:
    """Record a campaign, its messages and its credit reservation in one transaction.

    The messages are written straight from the selection and checked against the quote: the
    selection is resolved once, by the insert itself, and a selection that no longer matches what
    the quote counted raises SelectionChanged with nothing recorded. With `selection_version` (the
    version the recap counted), the selection's row is taken first and a selection changed since
    raises SelectionChanged too: the campaign holds exactly the people of that version.
    """
    existing = db.scalar(select(Campaign.id).where(Campaign.token == token))
    if existing is not None:
        return Created(existing, False)
    text = encoding.normalise(message)
    campaign = Campaign(
        structure_id=structure.id, author_id=author_id, token=token, text=text, suffix=encoding.SUFFIX,
        sender=structure.sender_name, encoding=quote.count.encoding, parts_per_message=quote.parts,
        people_selected=quote.recipients.selected, recipients=quote.recipients.distinct_numbers, cost=quote.total,
        status=CAMPAIGN_SCHEDULED if scheduled_for else CAMPAIGN_QUEUED, transport=transport,
        scheduled_for=scheduled_for,
    )
    try:
        db.add(campaign)
        db.flush()
    except IntegrityError:  # the same recap, submitted twice at once: the other request made it
        db.rollback()
        return Created(db.scalar(select(Campaign.id).where(Campaign.token == token)), False)
    if selection_version is not None and not selections.hold(db, selection_id, selection_version):
        db.rollback()
        raise SelectionChanged()
    if not credit.reserve(db, structure.id, quote.total, campaign.id):
        db.rollback()
        raise InsufficientCredit(quote.total, credit.balance(db, structure.id))
    if not _insert_messages(db, campaign, selection_id, quote):
        db.rollback()
        raise SelectionChanged()
    db.commit()
    return Created(campaign.id, True)


class SelectionChanged(Exception):
    """The selection changed between the quote and the insert: nothing was recorded."""


def _insert_messages(db: Session, campaign: Campaign, selection_id: int, quote: Quote) -> bool:
    """Write one message per distinct deliverable number and its people, in SQL; check it matches the quote.

    The rules are tutti.sms.recipients' (mobile, valid, not archived, not opted out, one per number),
    run by the database: 20,000 people cost two statements instead of 40,000 rows through Python.
    """
    sid = campaign.structure_id
    phones = (
        recipients.selected_people(sid, selection_id, literal(campaign.id), Person.mobile_e164, literal(quote.parts),
                                   literal(MSG_QUEUED), literal(False))
        .where(recipients.deliverable(sid)).group_by(Person.mobile_e164)
    )
    db.execute(insert(Message).from_select(["campaign_id", "phone", "parts", "state", "credit_held"], phones))
    # The messages hold exactly the deliverable numbers: joining them is enough to find their people.
    links = (
        recipients.selected_people(sid, selection_id, Message.id, Person.id)
        .join(Message, and_(Message.campaign_id == campaign.id, Message.phone == Person.mobile_e164))
        .where(Person.mobile_kind == KIND_MOBILE)
    )
    db.execute(insert(message_people).from_select(["message_id", "person_id"], links))
    written = db.scalars(select(Message.phone).where(Message.campaign_id == campaign.id)).all()
    return (len(written), recipients.numbers_digest(written)) == (quote.recipients.distinct_numbers,
                                                                  quote.recipients.digest)


@dataclass(frozen=True)
class Progress:
    """How far a campaign has gone."""

    total: int
    done: int
    by_state: dict[str, int]

    @property
    def finished(self) -> bool:
        """Say whether no message is still waiting to be sent."""
        return self.done >= self.total


def progress(db: Session, campaign_id: int) -> Progress:
    """Count a campaign's messages by state."""
    by_state = dict(db.execute(
        select(Message.state, func.count()).where(Message.campaign_id == campaign_id).group_by(Message.state)
    ).all())
    total = sum(by_state.values())
    waiting = by_state.get("queued", 0) + by_state.get("sending", 0)
    return Progress(total, total - waiting, by_state)


def listed(db: Session, structure_id: int, requested: object, size: int) -> tuple[Page, list[Campaign]]:
    """Return the page asked for of the structure's campaigns, newest first, their authors loaded.

    A page past the last stays as asked, and is empty: a client reading until an empty page stops.
    """
    total = db.scalar(select(func.count()).where(Campaign.structure_id == structure_id)) or 0
    page = paginate(requested, total, size, clamp=False)
    rows = db.scalars(
        select(Campaign).where(Campaign.structure_id == structure_id)
        .order_by(Campaign.id.desc()).offset(page.offset).limit(page.size).options(joinedload(Campaign.author))
    ).all()
    return page, list(rows)


@dataclass(frozen=True)
class MessagePerson:
    """A person a message stands for (one message per number, one or more people per number)."""

    id: int
    external_id: str | None
    first_name: str
    last_name: str

    @property
    def name(self) -> str:
        """Return the name as the pages show it."""
        return f"{self.first_name} {self.last_name}"


def messages_with_people(db: Session, campaign_id: int, offset: int, limit: int
                         ) -> tuple[list[Message], dict[int, list[MessagePerson]]]:
    """Return `limit` of the campaign's messages from `offset`, in sending order, and each one's people by id."""
    messages = list(db.scalars(select(Message).where(Message.campaign_id == campaign_id).order_by(Message.id)
                               .offset(offset).limit(limit)))
    people: dict[int, list[MessagePerson]] = {}
    if messages:
        for message_id, *person in db.execute(
            select(message_people.c.message_id, Person.id, Person.external_id, Person.first_name, Person.last_name)
            .join(Person, Person.id == message_people.c.person_id)
            .where(message_people.c.message_id.in_([m.id for m in messages])).order_by(Person.id)
        ):
            people.setdefault(message_id, []).append(MessagePerson(*person))
    return messages, people


def charged(db: Session, campaign_id: int) -> int:
    """Return what the campaign's accepted messages cost, by the same rule as the quote."""
    parts = db.scalar(select(Campaign.parts_per_message).where(Campaign.id == campaign_id)) or 0
    accepted = db.scalar(select(func.count()).where(
        Message.campaign_id == campaign_id, Message.state.in_(ACCEPTED_STATES))) or 0
    return message_cost(parts, accepted)


def cancel(db: Session, structure_id: int, campaign_id: int) -> bool:
    """Cancel a scheduled campaign that has not started, and give back its reservation."""
    cancelled = db.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.structure_id == structure_id,
                               Campaign.status == CAMPAIGN_SCHEDULED)
        .values(status=CAMPAIGN_CANCELLED, finished_at=utcnow())
    ).rowcount
    if cancelled != 1:
        db.rollback()
        return False
    db.execute(update(Message).where(Message.campaign_id == campaign_id, Message.state == MSG_QUEUED)
               .values(state=MSG_CANCELLED, updated_at=utcnow()))
    reserved = credit.campaign_totals(db, campaign_id)[credit.RESERVATION]
    credit.release(db, structure_id, reserved, campaign_id)
    db.commit()
    return True


def mark_enqueued(db: Session, campaign_id: int) -> None:
    """Remember that the campaign's job is in the queue."""
    campaign = db.get(Campaign, campaign_id)
    if campaign is not None and campaign.enqueued_at is None:
        campaign.enqueued_at = utcnow()
        db.commit()
