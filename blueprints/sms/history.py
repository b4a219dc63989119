"""Progress of a send, the history of sends, a campaign's recipients and the outbox."""

from __future__ import annotations

from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from blueprints import htmx
from blueprints.extensions import current_account, session, tutti_state
from blueprints.i18n import N_
from blueprints.people.actions import Action, register_action
from blueprints.sms import bp
from blueprints.sms.gates import can_read, can_send, read_gate
from blueprints.sms.pictures import monthly_picture, states_fragment, states_picture
from blueprints.ui import NavItem, register_nav
from tutti.directory.phones import display
from tutti.models import Campaign, OutboxEntry
from tutti.paging import Page, paginate
from tutti.sms import campaigns, credit
from tutti.sms.queue import jobs_per_campaign, unschedule

PAGE_SIZE = 50


def campaign_or_404(campaign_id: int) -> Campaign:
    """Return the current structure's campaign, or answer 404."""
    campaign = session().get(Campaign, campaign_id)
    if campaign is None or campaign.structure_id != current_account.structure_id:
        abort(404)
    return campaign


def progress_fragment(campaign_id: int) -> str:
    """Render the progress of a campaign; it polls itself until the campaign is finished."""
    db = session()
    campaign = campaign_or_404(campaign_id)
    return render_template(
        "sms/_progress.html", campaign=campaign, progress=campaigns.progress(db, campaign_id),
        balance=credit.balance(db, campaign.structure_id), totals=credit.campaign_totals(db, campaign_id),
    )


@bp.route("/campaigns/<int:campaign_id>/progress")
@can_read
def progress(campaign_id: int):
    """Answer the progress fragment's polling."""
    return progress_fragment(campaign_id)


@bp.route("/campaigns/<int:campaign_id>/states")
@can_read
def states(campaign_id: int):
    """Answer the polling of where a campaign's messages stand."""
    return states_fragment(campaign_or_404(campaign_id))


@bp.route("/campaigns")
@can_read
def history():
    """List the structure's campaigns, newest first."""
    page, rows = campaigns.listed(session(), current_account.structure_id, request.args.get("page", "1"), PAGE_SIZE)
    return render_template("sms/history.html", campaigns=rows, page=page,
                           monthly=monthly_picture(current_account.structure_id) if page.total else None)


@bp.route("/campaigns/<int:campaign_id>")
@can_read
def campaign(campaign_id: int):
    """Show one campaign and the status of each of its recipients."""
    db = session()
    item = campaign_or_404(campaign_id)
    page = _page(item.recipients)
    messages, people = campaigns.messages_with_people(db, campaign_id, page.offset, page.size)
    names = {message_id: [person.name for person in found] for message_id, found in people.items()}
    progress = campaigns.progress(db, campaign_id)
    context = dict(campaign=item, messages=messages, names=names, page=page, display_phone=display, progress=progress,
                   totals=credit.campaign_totals(db, campaign_id), states=states_picture(item, progress.by_state))
    return htmx.render("sms/campaign.html", "sms/_recipients.html", **context)


@bp.route("/campaigns/<int:campaign_id>/cancel", methods=["POST"])
@can_send
def cancel(campaign_id: int):
    """Cancel a scheduled campaign before it starts; its reservation is given back."""
    campaign_or_404(campaign_id)
    if campaigns.cancel(session(), current_account.structure_id, campaign_id):
        unschedule(tutti_state()["queue"], campaign_id, jobs_per_campaign(current_app.config))
        flash(gettext("L'envoi programmé est annulé ; son crédit vous est rendu."), "info")
    else:
        flash(gettext("Cet envoi a déjà commencé ou n'est plus programmé : il ne peut plus être annulé."), "error")
    return redirect(url_for(".campaign", campaign_id=campaign_id))


@bp.route("/outbox")
@can_read
def outbox():
    """Show what each phone would have received from the outbox (nothing left the machine)."""
    db = session()
    total = db.scalar(select(func.count()).where(OutboxEntry.structure_id == current_account.structure_id)) or 0
    page = _page(total)
    rows = db.scalars(
        select(OutboxEntry).where(OutboxEntry.structure_id == current_account.structure_id)
        .order_by(OutboxEntry.id.desc()).offset(page.offset).limit(page.size)
    ).all()
    return render_template("sms/outbox.html", entries=rows, page=page, display_phone=display)


def _page(total: int) -> Page:
    # A page past the last stays as asked, and shows an empty list.
    return paginate(request.args.get("page", "1"), total, PAGE_SIZE, clamp=False)


def init_app(app: Flask) -> None:
    """Offer « Sms » in the actions menu and the SMS pages in the navigation."""

    def may_read(account) -> bool:
        return read_gate(account) is None

    from blueprints.admin.access import may_order_credit

    app.add_template_global(may_order_credit)
    # Shown to every account of a structure: one that misses a prerequisite is told which, and how to get it.
    register_action(app, Action("sms", N_("Sms"), "sms.compose", order=10))
    register_nav(app, NavItem("sms.history", N_("Historique des envois"), may_read, order=20))
    register_nav(app, NavItem("sms.outbox", N_("Boîte d'envoi (simulation)"), may_read, order=30))
    register_nav(app, NavItem("sms.optouts", N_("Désinscriptions (STOP)"), may_read, order=35))
    register_nav(app, NavItem("sms.credit_page", N_("Crédit SMS"), may_read, order=40))
