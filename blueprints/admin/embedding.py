"""« Intégration au portail »: the structure's API keys and the origins allowed to frame its SMS panel."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.admin import bp
from blueprints.admin.access import structure_admin
from blueprints.admin.sms import ACTION_LABELS
from blueprints.extensions import session
from blueprints.i18n import N_
from blueprints.i18n import lazy_gettext as _l
from blueprints.refusals import sentence
from tutti.embedding import api_keys, embed_links
from tutti.refusals import NotFound, Refused

ACTION_LABELS.update({"api.key_create": N_("Création d'une clé d'API"),
                      "api.key_revoke": N_("Révocation d'une clé d'API"),
                      "embed.origins": N_("Sites autorisés à afficher l'envoi de SMS")})


class KeyForm(FlaskForm):
    """Name a new API key."""

    name = StringField(_l("Nom de la clé"), validators=[DataRequired(), Length(max=api_keys.MAX_NAME)])


class OriginsForm(FlaskForm):
    """The origins allowed to frame the SMS panel, one per line."""

    origins = TextAreaField(_l("Sites autorisés, un par ligne"))


def _page(key_form: KeyForm | None = None, origins_form: OriginsForm | None = None, new_key: str | None = None,
          status: int = 200):
    db, structure_id = session(), current_user.structure_id
    origins_form = origins_form or OriginsForm(
        formdata=None, origins="\n".join(embed_links.frame_origins(db, structure_id)))
    response = render_template("admin/embedding.html", key_form=key_form or KeyForm(formdata=None),
                               origins_form=origins_form, keys=api_keys.structure_keys(db, structure_id),
                               new_key=new_key)
    headers = {"Cache-Control": "no-store"} if new_key else {}
    return response, status, headers


@bp.route("/admin/integration")
@structure_admin
def embedding():
    """Show the structure's API keys and the sites allowed to frame the SMS panel."""
    return _page()


@bp.route("/admin/integration/keys", methods=["POST"])
@structure_admin
def create_api_key():
    """Create an API key and show it, once."""
    form = KeyForm()
    if not form.validate_on_submit():
        return _page(key_form=form)
    try:
        created = api_keys.create_key(session(), current_user.structure_id, form.name.data, current_user)
    except Refused as refused:
        form.form_errors.append(sentence(refused))
        return _page(key_form=form)
    return _page(new_key=created.secret)


@bp.route("/admin/integration/keys/<int:key_id>/revoke", methods=["POST"])
@structure_admin
def revoke_api_key(key_id: int):
    """Revoke an API key: the portal using it is refused from now on."""
    try:
        api_keys.revoke_key(session(), current_user.structure_id, key_id, current_user)
    except NotFound as refused:
        flash(sentence(refused), "error")
    else:
        flash(gettext("La clé est révoquée : elle n'ouvre plus l'API."), "info")
    return redirect(url_for("admin.embedding"))


@bp.route("/admin/integration/origins", methods=["POST"])
@structure_admin
def frame_origins():
    """Set the sites allowed to show the SMS panel in a frame."""
    form = OriginsForm()
    if not form.validate_on_submit():
        return _page(origins_form=form)
    try:
        changed = embed_links.set_frame_origins(session(), current_user.structure_id, form.origins.data or "",
                                                current_user)
    except Refused as refused:
        form.origins.errors = [sentence(refused)]
        return _page(origins_form=form)
    flash(gettext("Sites enregistrés.") if changed else gettext("Rien n'a changé."), "info")
    return redirect(url_for("admin.embedding"))
