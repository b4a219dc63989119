"""Compose, countdown, recap and Envoyer: the fragments swapped into the person list's panel."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, render_template, request
from flask_babel import gettext
from sqlalchemy.exc import OperationalError

from blueprints import htmx
from blueprints import selection as window_selection
from blueprints.extensions import current_account, session, tutti_state
from blueprints.sms import bp, tokens
from blueprints.sms.clock import now
from blueprints.sms.forms import ComposeForm, SendForm, body_undecodable
from blueprints.sms.gates import can_send
from blueprints.sms.history import progress_fragment
from tutti import window
from tutti.directory import selections
from tutti.models import Selection
from tutti.paging import paginate
from tutti.params import to_int
from tutti.sms import campaigns, cost, credit, encoding, recipients
from tutti.sms.queue import enqueue_campaign, jobs_per_campaign
from tutti.transports import kind_of

# People left out listed per page on their own page (the recap names only the first ones).
EXCLUDED_PAGE_SIZE = 500
# The recap names the people who receive the SMS up to this many; beyond, it links to their list.
RECEIVERS_SHOWN = 20
RECEIVERS_PAGE_SIZE = 200


def _fragment(template: str, **context):
    """Render a flow fragment, inside the SMS page when the request is not htmx."""
    if htmx.is_htmx():
        return render_template(template, **context)
    return render_template("sms/page.html", fragment=template, **context)


def _compose(form: ComposeForm, status: int = 200, selection_id: int | None = None):
    count = encoding.count(form.message.data or "")
    if selection_id is None:
        selection_id = window_selection.current().id
    return _fragment("sms/_compose.html", form=form, count=count, low_credit=_low_credit(),
                     selection_id=selection_id), status


def _low_credit() -> dict | None:
    structure = current_account.structure
    balance = credit.balance(session(), structure.id)
    return {"balance": balance} if balance < structure.low_credit_threshold else None


def _quote(message: str, selection_id: int) -> tuple[cost.Quote, int]:
    """Price the message for the selection, with the version it counted (read again if a change landed meanwhile)."""
    db = session()
    for _attempt in range(3):
        before = selections.version(db, selection_id)
        quote = cost.quote(db, current_account.structure_id, selection_id, message)
        if selections.version(db, selection_id) == before:
            break
    return quote, before or 0


def _recap(message: str, selection_id: int, notice: str | None = None,
           counted: tuple[cost.Quote, int] | None = None):
    quote, version = counted or _quote(message, selection_id)
    balance = credit.balance(session(), current_account.structure_id)
    token = tokens.issue(current_account.id, message, quote, selection_id, version)
    form = SendForm(formdata=None, message=message, token=token)
    shown = quote.recipients.distinct_numbers
    receivers = (recipients.receivers(session(), current_account.structure_id, selection_id, 0, RECEIVERS_SHOWN)
                 if 0 < shown <= RECEIVERS_SHOWN else [])
    return _fragment("sms/_recap.html", form=form, quote=quote, balance=balance, notice=notice,
                     full_text=encoding.full_text(message), window=_window(), selection_id=selection_id,
                     selection_version=version, receivers=receivers)


def _window() -> dict | None:
    """Say when sending now falls outside the safe window, and when it next opens."""
    moment = now()
    if window.in_window(moment):
        return None
    policy = current_account.structure.window_policy
    return {"next": window.next_opening(moment), "can_schedule": policy == window.POLICY_SCHEDULE}


@bp.route("/compose", methods=["GET", "POST"])
@can_send
def compose():
    """Show the compose fragment (POST: back from the recap with the text kept)."""
    form = ComposeForm(formdata=request.form if request.method == "POST" else None)
    return _compose(form)


@bp.route("/countdown", methods=["POST"])
@can_send
def countdown():
    """Count the message as it is typed: the server is the single source of truth."""
    message = request.form.get("message", "")
    if len(message) > campaigns.MAX_INPUT_CHARS:
        message = message[: campaigns.MAX_INPUT_CHARS + 1]
    return render_template("sms/_countdown.html", count=encoding.count(message))


@bp.route("/replace", methods=["POST"])
@can_send
def replace():
    """Replace characters outside GSM-7 by their GSM-7 equivalents, in one click."""
    form = ComposeForm()
    form.message.data = encoding.to_gsm7(form.message.data or "")
    return _compose(form)


@bp.route("/recap", methods=["POST"])
@can_send
def recap():
    """Check the message and show what the send will cost, and who is left out."""
    form = ComposeForm()
    selection = window_selection.current()
    if not form.validate_on_submit():
        return _compose(form, selection_id=selection.id)
    counted = _quote(form.message.data, selection.id)
    if not counted[0].recipients.selected:
        form.message.errors = [gettext("Sélectionnez au moins une personne dans la liste avant d'écrire votre SMS.")]
        return _compose(form, selection_id=selection.id)
    return _recap(form.message.data, selection.id, counted=counted)


@bp.route("/send", methods=["POST"])
@can_send
def send():
    """Envoyer: record the campaign, reserve its credit, enqueue its job, show its progress."""
    form = SendForm()
    message = form.message.data or ""
    if not form.validate_on_submit() or campaigns.message_refusals(message) or body_undecodable():
        return _stale(gettext("Le formulaire d'envoi est invalide. Validez à nouveau votre message."), message)
    db = session()
    try:
        shown = tokens.read(form.token.data, current_account.id, message)
        quote = tokens.shown_quote(shown, message)
        selection = _recap_selection(shown)
    except tokens.StaleRecap:
        return _stale(gettext("Ce récapitulatif a expiré. Validez à nouveau votre message pour l'envoyer."), message)
    if not quote.recipients.distinct_numbers:
        return _recap(message, selection.id, gettext("Aucune des personnes sélectionnées ne peut recevoir ce SMS."))
    at = None
    if form.schedule.data:
        slot = _window()
        if slot is None or not slot["can_schedule"]:
            return _recap(message, selection.id, gettext("L'envoi ne peut pas être programmé maintenant : vérifiez "
                                                         "le récapitulatif."))
        at = slot["next"]
    try:
        created = campaigns.create(db, current_account.structure, current_account.id, shown["n"], message, quote,
                                   kind_of(current_app.config["TUTTI_SMS_TRANSPORT"]), scheduled_for=at,
                                   selection_id=selection.id, selection_version=int(shown["v"]))
    except campaigns.InsufficientCredit:
        return _recap(message, selection.id, gettext("Votre crédit SMS ne suffit plus pour cet envoi."))
    except campaigns.SelectionChanged:
        return _recap(message, selection.id, gettext("La sélection a changé depuis le récapitulatif : rien n'a été "
                                                     "envoyé ni débité. Vérifiez les destinataires et le nouveau "
                                                     "coût avant d'envoyer."))
    except OperationalError:  # the database stayed locked longer than a request may wait: nothing written
        db.rollback()
        return _recap(message, selection.id, gettext("La base de données est momentanément occupée : rien n'a été "
                                                     "envoyé ni débité. Cliquez à nouveau sur Envoyer dans un "
                                                     "instant."))
    if created.new:
        enqueue_campaign(db, tutti_state()["queue"], created.campaign_id, at,
                         shares=jobs_per_campaign(current_app.config))
    response = current_app.make_response(progress_fragment(created.campaign_id))
    return htmx.trigger(response, "credit-changed")


def _recap_selection(shown: dict) -> Selection:
    """Return the selection a recap's token names, if it is still this account's; StaleRecap otherwise."""
    found = selections.owned(session(), to_int(shown.get("sel")), current_account.id, current_account.structure_id)
    if found is None or not isinstance(shown.get("v"), int):
        raise tokens.StaleRecap("selection")
    return found


def _stale(error: str, message: str):
    form = ComposeForm(formdata=None, message=message)
    form.message.errors = [error]
    selection = window_selection.current_or_none()  # a window whose selection is gone gets the message too
    return _compose(form, selection_id=selection.id if selection is not None else 0)


def _selection_list(selection: Selection, total: Callable[[recipients.Recipients], int], size: int,
                    read: Callable[..., list]) -> dict:
    """Count the selection and read the page asked for of a list drawn from it (`total` says how long it is)."""
    db = session()
    figures = recipients.resolve(db, current_account.structure_id, selection.id, shown=0)
    page = paginate(request.args.get("page", "1"), total(figures), size)
    rows = read(db, current_account.structure_id, selection.id, page.offset, page.size)
    return dict(selection_id=selection.id, figures=figures, page=page, people=rows)


@bp.route("/excluded")
@can_send
def excluded():
    """List every selected person who would not receive an SMS, and why, a page at a time."""
    listed = _selection_list(window_selection.current(), lambda figures: figures.excluded_count, EXCLUDED_PAGE_SIZE,
                             recipients.exclusions)
    return render_template("sms/excluded.html", **listed)


@bp.route("/receivers")
@can_send
def receivers():
    """List the people the SMS goes to (one per distinct number), a page at a time, to check them before Envoyer."""
    selection = window_selection.current()
    listed = _selection_list(selection, lambda figures: figures.distinct_numbers, RECEIVERS_PAGE_SIZE,
                             recipients.receivers)
    # The recap's version, when the link carries it: the list says so if the selection changed since.
    shown_version = to_int(request.args.get("v"))
    changed = shown_version is not None and shown_version != selection.version
    return render_template("sms/receivers.html", changed=changed, **listed)
