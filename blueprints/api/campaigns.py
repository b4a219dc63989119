"""Read the structure's campaigns, each recipient's status, and the SMS credit."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from sqlalchemy import func, select

from blueprints.api import bp
from blueprints.api.auth import ApiError, structure_id
from blueprints.extensions import session
from tutti import campaigns, credit
from tutti.models import Account, Campaign, Message, Person, Structure, message_people
from tutti.paging import Page, paginate
from tutti.params import to_int

CAMPAIGNS_PAGE = 50
MESSAGES_PAGE = 500


def _page(total: int, size: int) -> Page:
    # Past the last page the list is empty, and says the page asked for: a client reading until then stops.
    return paginate(request.args.get("page", "1"), total, size, clamp=False)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _campaign(campaign: Campaign, author: str | None) -> dict:
    return {"id": campaign.id, "status": campaign.status, "status_label": campaign.status_label,
            "text": campaign.text, "full_text": campaign.full_text, "sender": campaign.sender,
            "encoding": campaign.encoding, "sms_per_message": campaign.parts_per_message,
            "people_selected": campaign.people_selected, "recipients": campaign.recipients, "cost": campaign.cost,
            "author": author, "created_at": _time(campaign.created_at), "scheduled_for": _time(campaign.scheduled_for),
            "started_at": _time(campaign.started_at), "finished_at": _time(campaign.finished_at)}


@bp.route("/campaigns")
def campaign_list():
    """List the structure's campaigns, newest first, 50 a page (?page=2)."""
    db = session()
    total = db.scalar(select(func.count()).where(Campaign.structure_id == structure_id())) or 0
    page = _page(total, CAMPAIGNS_PAGE)
    rows = db.execute(
        select(Campaign, Account.login).join(Account, Account.id == Campaign.author_id)
        .where(Campaign.structure_id == structure_id()).order_by(Campaign.id.desc())
        .offset(page.offset).limit(page.size)).all()
    return jsonify({"campaigns": [_campaign(c, login) for c, login in rows], "page": page.number,
                    "pages": page.pages, "total": total})


@bp.route("/campaigns/<campaign_id>")
def campaign(campaign_id: str):
    """Return one campaign of the structure with its progress and each recipient's status, 500 a page."""
    db = session()
    number = to_int(campaign_id)
    found = db.get(Campaign, number) if number is not None else None
    if found is None or found.structure_id != structure_id():
        raise ApiError(404, "Aucun envoi de votre structure n'a cet identifiant.")
    progress = campaigns.progress(db, found.id)
    page = _page(progress.total, MESSAGES_PAGE)
    messages = db.scalars(select(Message).where(Message.campaign_id == found.id).order_by(Message.id)
                          .offset(page.offset).limit(page.size)).all()
    people: dict[int, list[dict]] = {}
    if messages:
        for message_id, person_id, external, first, last in db.execute(
            select(message_people.c.message_id, Person.id, Person.external_id, Person.first_name, Person.last_name)
            .join(Person, Person.id == message_people.c.person_id)
            .where(message_people.c.message_id.in_([m.id for m in messages])).order_by(Person.id)
        ):
            people.setdefault(message_id, []).append(
                {"id": person_id, "external_id": external, "first_name": first, "last_name": last})
    body = _campaign(found, found.author.login if found.author else None)
    body.update(
        progress={"total": progress.total, "done": progress.done, "by_state": progress.by_state},
        charged=credit.campaign_totals(db, found.id)[credit.CAPTURE],
        page=page.number, pages=page.pages,
        messages=[{"phone": m.phone, "state": m.state, "state_label": m.state_label, "sms": m.parts,
                   "sent_at": _time(m.sent_at), "updated_at": _time(m.updated_at), "people": people.get(m.id, [])}
                  for m in messages])
    return jsonify(body)


@bp.route("/credit")
def credit_balance():
    """Return the structure's SMS credit: what is available now, and the low-credit threshold."""
    db = session()
    structure = db.get(Structure, structure_id())
    return jsonify({"available": credit.balance(db, structure.id), "low_credit_threshold":
                    structure.low_credit_threshold, "sms_option": structure.sms_option})
