"""The administrator's actions on the selected people: create or delete accounts, issue one-time links."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from blueprints import htmx
from blueprints import selection as window_selection
from blueprints.admin import bp
from blueprints.admin.access import structure_admin
from blueprints.admin.accounts import reset_url
from blueprints.admin.forms import ActionForm, CreateAccountForm, DeleteAccountForm
from blueprints.extensions import session
from tutti.accounts import reset_links
from tutti.accounts.accounts import accounts_of, suggest_login
from tutti.directory import selections
from tutti.models import ACCOUNT_PERSONAL, Person

MAX_ROWS = 200


def _render(mode: str, status: int = 200, results: dict | None = None):
    db = session()
    selection_id = window_selection.current().id
    selected = selections.people(db, current_user.structure_id, selection_id)
    accounts = accounts_of(db, [p.id for p in selected[:MAX_ROWS]])
    suggestions = {p.id: suggest_login(db, p) for p in selected[:MAX_ROWS]
                   if p.id not in accounts} if mode == "accounts" else {}
    context = dict(mode=mode, selected=selected[:MAX_ROWS], more=max(0, len(selected) - MAX_ROWS),
                   accounts=accounts, suggestions=suggestions, results=results or {},
                   create_form=CreateAccountForm(formdata=None), delete_form=DeleteAccountForm(formdata=None),
                   action_form=ActionForm(formdata=None), selection_id=selection_id)
    return htmx.render("admin/selection.html", "admin/_selection.html", **context), status


def selection_answer(person: Person, status: int = 200, **context):
    """Render the panel again, with the outcome of an action on one person beside their line."""
    form = context.get("create_form") or context.get("delete_form")
    errors = [e for field in (form or ActionForm(formdata=None)) for e in field.errors]
    if context.get("error"):
        errors.append(context["error"])
    result = {"notice": context.get("notice"), "link": context.get("link"), "errors": errors}
    mode = request.form.get("mode") if request.form.get("mode") in ("accounts", "passwords") else "accounts"
    return _render(mode, status, {person.id: result})


@bp.route("/admin/selection/accounts")
@structure_admin
def selection_accounts():
    """Création ou suppression de compte: the selected people and their accounts."""
    return _render("accounts")


@bp.route("/admin/selection/passwords", methods=["GET", "POST"])
@structure_admin
def selection_passwords():
    """Redéfinir le mot de passe: POST issues a one-time link for each selected person's active account."""
    results = {}
    if request.method == "POST" and ActionForm().validate_on_submit():
        db = session()
        selected = selections.people(db, current_user.structure_id, window_selection.current().id)[:MAX_ROWS]
        for person_id, account in accounts_of(db, [p.id for p in selected]).items():
            if account.kind == ACCOUNT_PERSONAL and account.active:
                token = reset_links.issue_reset_link(db, current_user.structure_id, account.id, current_user)
                results[person_id] = {"link": reset_url(token), "errors": []}
    return _render("passwords", results=results)
