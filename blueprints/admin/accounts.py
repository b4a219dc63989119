"""A person's record and its block « Comptes et droits »; the page a one-time link opens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user

from blueprints import htmx
from blueprints.admin import bp
from blueprints.admin.access import structure_admin, structure_member
from blueprints.admin.forms import ActionForm, CreateAccountForm, DeleteAccountForm, ResetPasswordForm, rights_form
from blueprints.admin.sms import ACTION_LABELS
from blueprints.extensions import limiter, session
from blueprints.i18n import N_
from blueprints.refusals import all_words, sentence
from tutti.accounts import accounts, reset_links
from tutti.accounts.passwords import MIN_LENGTH, PasswordRejected
from tutti.accounts.rights import set_rights
from tutti.directory import people
from tutti.directory.phones import display
from tutti.models import LEVELS, MODULES, Account, Person
from tutti.refusals import NotFound, Refused

ACTION_LABELS.update({"people.export": N_("Export des données de personnes")})


def password_policy() -> str:
    """Return the password rules shown beside the new password, in the reader's language."""
    return gettext("Votre mot de passe doit compter au moins %(min)s caractères, ne pas commencer ni finir par une "
                   "espace, ne pas contenir votre identifiant, et mêler au moins 4 caractères différents.",
                   min=MIN_LENGTH)


def person_or_404(person_id: int) -> Person:
    """Return a person of the current structure; another structure's id is not found."""
    try:
        return people.structure_person(session(), current_user.structure_id, person_id)
    except NotFound:
        abort(404)


def reset_url(token: str) -> str:
    """Return the full address of a one-time link, to hand to the person."""
    return url_for("admin.reset", token=token, _external=True)


def _levels(account: Account | None) -> dict[str, int]:
    return {m: account.level(m) for m in MODULES} if account else {}


def _answer(person: Person, status: int = 200, **context):
    """Render the outcome where the form was: the person's record, or the selection panel."""
    if request.form.get("origin") == "selection":
        from blueprints.admin.selection import selection_answer

        return selection_answer(person, status, **context)
    db = session()
    account = accounts.person_account(db, person.id)
    if account is None and current_user.is_admin and "create_form" not in context:
        context["create_form"] = CreateAccountForm(formdata=None, login=accounts.suggest_login(db, person))
    context.setdefault("rights", rights_form(_levels(account), formdata=None))
    context.setdefault("delete_form", DeleteAccountForm(formdata=None))
    page = htmx.render("admin/person.html", "admin/_accounts.html", person=person, account=account,
                       may_edit=current_user.is_admin, action_form=ActionForm(formdata=None), modules=MODULES,
                       levels=LEVELS, display_phone=display, region=current_user.structure.phone_region, **context)
    return page, status


@bp.route("/admin/people/<int:person_id>")
@structure_member
def person(person_id: int):
    """Show a person's record with the block « Comptes et droits »."""
    return _answer(person_or_404(person_id))


@bp.route("/admin/people/<int:person_id>/account", methods=["POST"])
@structure_admin
def create_account(person_id: int):
    """Créer un compte: the person then sets the password through a one-time link."""
    person, db = person_or_404(person_id), session()
    form = CreateAccountForm()
    if not form.validate_on_submit():
        return _answer(person, create_form=form)
    try:
        account = accounts.create_personal_account(db, current_user.structure_id, person.id, form.login.data,
                                                current_user)
        token = reset_links.issue_reset_link(db, current_user.structure_id, account.id, current_user)
    except Refused as refused:
        form.login.errors = all_words(refused)
        return _answer(person, create_form=form)
    return _answer(person, notice=gettext("Compte « %(login)s » créé. Transmettez ce lien à la personne pour "
                                          "qu'elle choisisse son mot de passe :", login=account.login),
                   link=reset_url(token))


def _account_action(person_id: int, verb, notice: str, form_class=ActionForm, form_key: str = "action_form"):
    person, db = person_or_404(person_id), session()
    form = form_class()
    if not form.validate_on_submit():
        return _answer(person, **{form_key: form})
    account = accounts.person_account(db, person.id)
    if account is None:
        return _answer(person, error=gettext("%(first_name)s %(last_name)s n'a pas de compte.",
                                             first_name=person.first_name, last_name=person.last_name))
    try:
        result = verb(db, account)
    except Refused as refused:
        return _answer(person, error=sentence(refused))
    if isinstance(result, str):  # a one-time token
        return _answer(person, notice=notice, link=reset_url(result))
    return _answer(person, notice=notice)


@bp.route("/admin/people/<int:person_id>/account/reset", methods=["POST"])
@structure_admin
def reset_password(person_id: int):
    """Redéfinir le mot de passe: show the administrator a one-time link for the person."""
    return _account_action(person_id, lambda db, a: reset_links.issue_reset_link(
        db, current_user.structure_id, a.id, current_user),
        gettext("Transmettez ce lien à la personne : il sert une seule fois, pendant 48 heures."))


@bp.route("/admin/people/<int:person_id>/account/disable", methods=["POST"])
@structure_admin
def disable_account(person_id: int):
    """Disable the person's account; its open sessions end at once."""
    return _account_action(person_id, lambda db, a: accounts.set_active(
        db, current_user.structure_id, a.id, False, current_user), gettext("Le compte est désactivé."))


@bp.route("/admin/people/<int:person_id>/account/enable", methods=["POST"])
@structure_admin
def enable_account(person_id: int):
    """Enable the person's account again."""
    return _account_action(person_id, lambda db, a: accounts.set_active(
        db, current_user.structure_id, a.id, True, current_user), gettext("Le compte est réactivé."))


@bp.route("/admin/people/<int:person_id>/account/delete", methods=["POST"])
@structure_admin
def delete_account(person_id: int):
    """Delete the person's account, once confirmed."""
    return _account_action(person_id, lambda db, a: accounts.delete_account(
        db, current_user.structure_id, a.id, current_user), gettext("Le compte est supprimé."), DeleteAccountForm,
        "delete_form")


@bp.route("/admin/people/<int:person_id>/rights", methods=["POST"])
@structure_admin
def rights(person_id: int):
    """Save the rights grid; a module or level the grid does not offer changes nothing."""
    person, db = person_or_404(person_id), session()
    account = accounts.person_account(db, person.id)
    form = rights_form(_levels(account))
    if account is None or not form.validate_on_submit():
        return _answer(person, rights=form,
                       error=None if account else gettext("Créez d'abord un compte pour cette personne."))
    try:
        changes = set_rights(db, current_user.structure_id, account.id, form.levels(), current_user)
    except Refused as refused:
        return _answer(person, 400, rights=rights_form(_levels(account), formdata=None), error=sentence(refused))
    return _answer(person, notice=gettext("Droits enregistrés.") if changes else gettext("Aucun droit n'a changé."))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def reset(token: str):
    """Let a person choose a password through their one-time link."""
    db = session()
    account = reset_links.reset_link_account(db, token)
    if account is None:
        return _no_store(render_template("admin/reset_invalid.html", message=gettext(
            "Ce lien a déjà servi, a expiré ou a été remplacé par un plus récent. Demandez un nouveau lien à "
            "l'administrateur de votre structure.")), 404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset_links.consume_reset_link(db, token, form.password.data)
        except PasswordRejected as refused:
            form.password.errors = all_words(refused)
        except Refused as refused:
            return _no_store(render_template("admin/reset_invalid.html", message=sentence(refused)), 404)
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(gettext("Votre mot de passe est enregistré : connectez-vous avec votre identifiant."), "info")
            return redirect(url_for("auth.login"))
    return _no_store(render_template("admin/reset.html", form=form, account=account, policy=password_policy()), 200)


def _no_store(html: str, status: int):
    """Keep the page out of caches: its address is a secret."""
    return html, status, {"Cache-Control": "no-store"}
