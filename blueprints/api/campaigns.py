"""Read the structure's campaigns, each recipient's status, and the SMS credit."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request

from blueprints.api import bp
from blueprints.api.auth import ApiError, structure_id
from blueprints.extensions import session
from tutti.models import Campaign, Structure
from tutti.paging import Page, paginate
from tutti.params import to_int
from tutti.sms import campaigns, credit

CAMPAIGNS_PAGE = 50
MESSAGES_PAGE = 500


def _page(total: int, size: int) -> Page:
    # Past the last page the list is empty, and says the page asked for: a client reading until then stops.
    return paginate(request.args.get("page", "1"), total, size, clamp=False)


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _person(person: campaigns.MessagePerson) -> dict:
    return {"id": person.id, "external_id": person.external_id, "first_name": person.first_name,
            "last_name": person.last_name}


def _campaign(campaign: Campaign) -> dict:
    author = campaign.author.login if campaign.author else None
    return {"id": campaign.id, "status": campaign.status, "status_label": campaign.status_label,
            "text": campaign.text, "full_text": campaign.full_text, "sender": campaign.sender,
            "encoding": campaign.encoding, "sms_per_message": campaign.parts_per_message,
            "people_selected": campaign.people_selected, "recipients": campaign.recipients, "cost": campaign.cost,
            "author": author, "created_at": _time(campaign.created_at), "scheduled_for": _time(campaign.scheduled_for),
            "started_at": _time(campaign.started_at), "finished_at": _time(campaign.finished_at)}


@bp.route("/campaigns")
def campaign_list():
    """List the structure's campaigns, newest first, 50 a page (?page=2)."""
    page, rows = campaigns.listed(session(), structure_id(), request.args.get("page", "1"), CAMPAIGNS_PAGE)
    return jsonify({"campaigns": [_campaign(c) for c in rows], "page": page.number, "pages": page.pages,
                    "total": page.total})


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
    messages, people = campaigns.messages_with_people(db, found.id, page.offset, page.size)
    body = _campaign(found)
    body.update(
        progress={"total": progress.total, "done": progress.done, "by_state": progress.by_state},
        charged=credit.campaign_totals(db, found.id)[credit.CAPTURE],
        page=page.number, pages=page.pages,
        messages=[{"phone": m.phone, "state": m.state, "state_label": m.state_label, "sms": m.parts,
                   "sent_at": _time(m.sent_at), "updated_at": _time(m.updated_at),
                   "people": [_person(p) for p in people.get(m.id, [])]}
                  for m in messages])
    return jsonify(body)


@bp.route("/credit")
def credit_balance():
    """Return the structure's SMS credit: what is available now, and the low-credit threshold."""
    db = session()
    structure = db.get(Structure, structure_id())
    return jsonify({"available": credit.balance(db, structure.id), "low_credit_threshold":
                    structure.low_credit_threshold, "sms_option": structure.sms_option})
