"""« Désinscriptions (STOP) »: the numbers that answered STOP, and lifting one with the person's consent."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.extensions import current_account, session
from blueprints.i18n import lazy_gettext as _l
from blueprints.sms import bp
from blueprints.sms.gates import can_read, write_gate
from tutti.directory.phones import display
from tutti.models import OptOut, Person, utcnow


class ConsentForm(FlaskForm):
    """Why the opt-out is lifted: the person's consent, recorded."""

    reason = TextAreaField(
        _l("Consentement de la personne (quand, comment)"),
        validators=[DataRequired(_l("Décrivez le consentement de la personne : c'est obligatoire.")),
                    Length(max=1000, message=_l("1 000 caractères au plus."))],
    )


@bp.route("/optouts")
@can_read
def optouts():
    """List the structure's opt-outs, with the people who have that number."""
    db = session()
    rows = db.scalars(select(OptOut).where(OptOut.structure_id == current_account.structure_id)
                      .order_by(OptOut.active.desc(), OptOut.created_at.desc())).all()
    phones = [r.phone for r in rows]
    owners: dict[str, list[str]] = {}
    if phones:
        for phone, first, last in db.execute(
            select(Person.mobile_e164, Person.first_name, Person.last_name)
            .where(Person.structure_id == current_account.structure_id, Person.mobile_e164.in_(phones))
        ):
            owners.setdefault(phone, []).append(f"{first} {last}")
    return render_template("sms/optouts.html", optouts=rows, owners=owners, display_phone=display,
                           form=ConsentForm(), may_lift=write_gate(current_account) is None)


@bp.route("/optouts/<int:optout_id>/lift", methods=["POST"])
@can_read
def lift_optout(optout_id: int):
    """Lift an opt-out, only with the person's consent recorded (who, when, why)."""
    if write_gate(current_account) is not None:
        return render_template("sms/gate_page.html", gate="rights"), 403
    db = session()
    optout = db.get(OptOut, optout_id)
    if optout is None or optout.structure_id != current_account.structure_id or not optout.active:
        flash(gettext("Cette désinscription n'existe pas ou a déjà été levée."), "error")
        return redirect(url_for(".optouts"))
    form = ConsentForm()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(str(error), "error")  # a lazy message cannot go into the session
        return redirect(url_for(".optouts"))
    optout.active = False
    optout.removed_by_id, optout.removed_at, optout.removal_reason = current_account.id, utcnow(), form.reason.data
    db.commit()
    flash(gettext("Le numéro %(phone)s peut de nouveau recevoir vos SMS.", phone=display(optout.phone)), "info")
    return redirect(url_for(".optouts"))
