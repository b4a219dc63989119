"""Operator views: every change is a CSRF-protected POST, answered by a redirect to the page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from blueprints.admin.access import operator_only
from blueprints.extensions import session
from blueprints.operator import bp
from blueprints.operator.forms import ButtonForm, OptionForm
from tutti.models import Structure
from tutti.refusals import NotFound
from tutti.structures import contact_requests, credit_orders, sms_settings

MAX_STRUCTURES = 1000


@bp.route("/")
@operator_only
def index():
    """List structures with their option, pending credit orders and open contact requests."""
    db = session()
    structures = db.scalars(select(Structure).order_by(Structure.name).limit(MAX_STRUCTURES)).all()
    return render_template("operator/index.html", structures=structures, orders=credit_orders.pending_orders(db),
                           requests=contact_requests.open_contact_requests(db), button=ButtonForm(formdata=None),
                           subjects=contact_requests.CONTACT_SUBJECTS)


def _back(message: str, category: str = "info"):
    flash(message, category)
    return redirect(url_for("operator.index"))


@bp.route("/structures/<int:structure_id>/option", methods=["POST"])
@operator_only
def set_option(structure_id: int):
    """Turn a structure's SMS option on or off."""
    form = OptionForm()
    if not form.validate_on_submit():
        return _back(gettext("Demande invalide : rien n'a changé."), "error")
    enabled = form.enabled.data == "1"
    try:
        sms_settings.set_sms_option(session(), structure_id, enabled, current_user)
    except NotFound:
        abort(404)
    structure = session().get(Structure, structure_id)
    if enabled:
        return _back(gettext("Option SMS activée pour %(structure)s.", structure=structure.name))
    return _back(gettext("Option SMS désactivée pour %(structure)s.", structure=structure.name))


def _decide(order_id: int, approve: bool):
    if not ButtonForm().validate_on_submit():
        return _back(gettext("Demande invalide : rien n'a changé."), "error")
    try:
        decided = credit_orders.decide_order(session(), order_id, approve, current_user)
    except NotFound:
        abort(404)
    if not decided:
        return _back(gettext("La commande n° %(number)s a déjà été traitée : rien n'a changé.", number=order_id),
                     "error")
    if approve:
        return _back(gettext("Commande n° %(number)s validée : crédit ajouté.", number=order_id))
    return _back(gettext("Commande n° %(number)s refusée.", number=order_id))


@bp.route("/orders/<int:order_id>/approve", methods=["POST"])
@operator_only
def approve_order(order_id: int):
    """Approve a pending order: its SMS are added to the structure's credit, once."""
    return _decide(order_id, True)


@bp.route("/orders/<int:order_id>/reject", methods=["POST"])
@operator_only
def reject_order(order_id: int):
    """Reject a pending order."""
    return _decide(order_id, False)


@bp.route("/contacts/<int:request_id>/handled", methods=["POST"])
@operator_only
def contact_handled(request_id: int):
    """Mark a contact request as handled."""
    if not ButtonForm().validate_on_submit():
        return _back(gettext("Demande invalide : rien n'a changé."), "error")
    try:
        contact_requests.mark_contact_handled(session(), request_id, current_user)
    except NotFound:
        abort(404)
    return _back(gettext("Demande n° %(number)s marquée comme traitée.", number=request_id))
