"""Forms: a field holding a control character (a NUL byte…) is refused before any view runs, the field named."""

from __future__ import annotations

from flask import request
from flask_babel import gettext
from werkzeug.exceptions import BadRequest

from blueprints.i18n import N_
from tutti.text_input import has_control

# Fields that hold several lines: tab and line breaks are text there.
MULTILINE = {"message", "origins", "reason"}
# The SMS message has its own check, worded beside the field in the compose form.
OWN_CHECK = {("sms", "message")}
LABELS = {
    "login": N_("Identifiant"), "password": N_("Mot de passe"), "confirm": N_("Confirmation"),
    "message": N_("Message"), "reason": N_("Motif"), "sender_name": N_("Nom d'expéditeur"),
    "phone_region": N_("Pays des numéros de téléphone"), "window_policy": N_("Envoi hors des horaires conseillés"),
    "low_credit_threshold": N_("Seuil d'alerte de crédit"), "subject": N_("Objet"),
    "reply_to": N_("Adresse e-mail ou téléphone pour vous répondre"), "pack": N_("Pack de SMS"),
    "name": N_("Nom de la clé"), "origins": N_("Sites autorisés"), "enabled": N_("Option SMS"),
    "q": N_("Recherche"), "tag": N_("Tag"), "sexe": N_("Sexe"), "page": N_("Page"), "person_id": N_("Personne"),
    "checked": N_("Sélection"), "mode": N_("Action"), "origin": N_("Origine"), "token": N_("Jeton du récapitulatif"),
    "schedule": N_("Date d'envoi"), "lang": N_("Langue"), "next": N_("Page suivante"),
    "csrf_token": N_("Jeton de sécurité"),
}


def field_label(name: str) -> str:
    """Return a form field's name as the reader knows it."""
    if name.startswith("level_"):
        return gettext("Droits")
    return gettext(LABELS[name]) if name in LABELS else name[:40]


def refuse_control_characters():
    """Refuse a form whose fields hold control characters: 400, the first such field named."""
    if request.method not in ("POST", "PUT", "PATCH") or request.mimetype not in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    for name, value in request.form.items(multi=True):
        if (request.blueprint, name) in OWN_CHECK:
            continue
        if has_control(name) or has_control(value, multiline=name in MULTILINE):
            refused = BadRequest(gettext(
                "Le champ « %(field)s » contient un caractère de contrôle invisible (par exemple un caractère nul) : "
                "retirez-le et renvoyez le formulaire.", field=field_label(name) if not has_control(name) else "?"))
            refused.tutti_message = True  # Tutti's error page shows it; a host portal's own 400 page may too
            raise refused
    return None
