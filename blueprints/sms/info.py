"""The SMS credit page and the FAQ every gate links to."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from blueprints.extensions import account_required, current_account, session
from blueprints.sms import bp
from blueprints.sms.gates import can_read
from blueprints.sms.pictures import balance_picture
from tutti.models import CreditMovement
from tutti.sms import credit

LEDGER_ROWS = 200


@bp.route("/credit")
@can_read
def credit_page():
    """Show the balance and the ledger of every movement."""
    db = session()
    structure = current_account.structure
    movements = db.scalars(
        select(CreditMovement).where(CreditMovement.structure_id == structure.id)
        .order_by(CreditMovement.id.desc()).limit(LEDGER_ROWS)
    ).all()
    return render_template("sms/credit.html", balance=credit.balance(db, structure.id), movements=movements,
                           labels=credit.KIND_LABELS, threshold=structure.low_credit_threshold,
                           balance_picture=balance_picture(structure.id))


@bp.route("/faq")
@account_required
def faq():
    """Explain each prerequisite of sending an SMS."""
    return render_template("sms/faq.html")
