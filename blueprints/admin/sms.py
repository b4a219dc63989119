"""« Configuration des envois SMS », the option's subscription page, credit orders and the audit log."""

from __future__ import annotations

from datetime import datetime

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from blueprints.admin import bp
from blueprints.admin.access import credit_orderer, structure_admin, structure_member
from blueprints.admin.forms import ContactForm, CreditOrderForm, SmsSettingsForm
from blueprints.extensions import session
from blueprints.i18n import N_
from blueprints.refusals import sentence
from blueprints.ui import PARIS
from tutti import pdf
from tutti.accounts.audit import audit_page
from tutti.refusals import Refused
from tutti.sms import credit
from tutti.structures import contact_requests, credit_orders
from tutti.structures.sms_settings import SmsSettings, configure_sms, region_name

AUDIT_PAGE = 50
ACTION_LABELS = {  # translated where the audit log shows them
    "structure.create": N_("Création de la structure"), "account.create": N_("Création d'un compte personnel"),
    "account.create_admin": N_("Création du compte administrateur"),
    "account.create_operator": N_("Création d'un compte opérateur"),
    "account.enable": N_("Réactivation d'un compte"), "account.disable": N_("Désactivation d'un compte"),
    "account.delete": N_("Suppression d'un compte"), "account.reset_link": N_("Lien de redéfinition du mot de passe"),
    "account.password_set": N_("Mot de passe redéfini"), "rights.set": N_("Modification des droits"),
    "sms.settings": N_("Configuration des envois SMS"), "sms.option_on": N_("Option SMS activée"),
    "sms.option_off": N_("Option SMS désactivée"), "credit.order": N_("Commande de crédit SMS"),
    "credit.approve": N_("Commande de crédit validée"), "credit.reject": N_("Commande de crédit refusée"),
    "contact.send": N_("Demande de contact envoyée"), "contact.handled": N_("Demande de contact traitée"),
}


@bp.route("/admin/sms/settings", methods=["GET", "POST"])
@structure_admin
def sms_settings():
    """Configure the sender name, the phone region, the sending-window policy and the low-credit threshold."""
    structure = current_user.structure
    form = SmsSettingsForm(obj=structure)
    if form.validate_on_submit():
        settings = SmsSettings(form.sender_name.data, form.phone_region.data, form.window_policy.data,
                                         form.low_credit_threshold.data)
        try:
            changes = configure_sms(session(), structure.id, settings, current_user)
        except Refused as refused:
            form.form_errors.append(sentence(refused))
        else:
            flash(gettext("Configuration enregistrée.") if changes else gettext("Rien n'a changé."), "info")
            return redirect(url_for("admin.sms_settings"))
    return render_template("admin/sms_settings.html", form=form, structure=structure)


@bp.route("/admin/sms/option")
@structure_member
def subscription():
    """Show the SMS option: its state, the subscription form to download, a contact form."""
    return _subscription_page(ContactForm(formdata=None, subject="option"))


def _subscription_page(form: ContactForm, status: int = 200):
    structure = current_user.structure
    requests = contact_requests.structure_contact_requests(session(), structure.id)
    return render_template("admin/subscription.html", structure=structure, form=form, requests=requests), status


@bp.route("/admin/sms/option/souscription.pdf")
@structure_member
def subscription_pdf():
    """Download the subscription form, pre-filled with the structure's details."""
    structure = current_user.structure
    body = pdf.subscription_form(structure.name, structure.sender_name, region_name(structure.phone_region),
                                 datetime.now(PARIS).date())
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="souscription-option-sms.pdf"'})


@bp.route("/admin/contact", methods=["POST"])
@structure_member
def contact():
    """Send a contact request to the platform operator; it is kept and shown on the operator page."""
    form = ContactForm()
    if not form.validate_on_submit():
        return _subscription_page(form)
    try:
        contact_requests.send_contact_request(session(), current_user.structure_id, current_user, form.subject.data,
                                       form.reply_to.data, form.message.data)
    except Refused as refused:
        form.form_errors.append(sentence(refused))
        return _subscription_page(form)
    flash(gettext("Votre demande est envoyée : l'opérateur de la plateforme vous répondra."), "info")
    return redirect(url_for("admin.subscription"))


@bp.route("/admin/credit/order", methods=["GET", "POST"])
@credit_orderer
def credit_order():
    """Réapprovisionner son crédit SMS: order a pack, which the platform operator approves."""
    db, structure = session(), current_user.structure
    form = CreditOrderForm()
    if form.validate_on_submit():
        try:
            order = credit_orders.order_credit(db, structure.id, int(form.pack.data), current_user)
        except Refused as refused:
            form.form_errors.append(sentence(refused))
        else:
            flash(gettext("Commande n° %(number)s enregistrée : le crédit sera ajouté dès sa validation.",
                          number=order.id), "info")
            return redirect(url_for("admin.credit_order"))
    return render_template("admin/credit_order.html", form=form, structure=structure, packs=credit_orders.PACKS,
                           balance=credit.balance(db, structure.id),
                           orders=credit_orders.structure_orders(db, structure.id))


@bp.route("/admin/audit")
@structure_admin
def audit():
    """Show the structure's audit log: who changed what, and when."""
    page, entries = audit_page(session(), current_user.structure_id, request.args.get("page", "1"), AUDIT_PAGE)
    return render_template("admin/audit.html", entries=entries, page=page, labels=ACTION_LABELS)

