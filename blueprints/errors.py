"""Error pages in the reader's language, as a page or as a fragment for htmx."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from blueprints.htmx import is_htmx
from blueprints.i18n import N_

MESSAGES = {
    400: (N_("Requête invalide"), N_("La demande n'a pas pu être traitée. Rechargez la page et réessayez.")),
    403: (N_("Accès refusé"), N_("Votre compte n'a pas les droits nécessaires pour cette page.")),
    404: (N_("Page introuvable"), N_("Cette page n'existe pas ou plus.")),
    405: (N_("Action impossible"), N_("Cette action n'est pas possible de cette façon.")),
    413: (N_("Envoi trop volumineux"), N_("Les données envoyées sont trop volumineuses.")),
    429: (N_("Trop de tentatives"), N_("Trop de tentatives en peu de temps. Patientez une minute avant de réessayer.")),
    500: (N_("Erreur inattendue"),
          N_("Une erreur inattendue s'est produite. Rien n'a été envoyé ; réessayez dans un instant.")),
}


def render_error(code: int, message: str | None = None):
    """Render an error in the reader's language, as a fragment for htmx requests."""
    title, default = MESSAGES.get(code, MESSAGES[400])
    template = "errors/_error.html" if is_htmx() else "errors/page.html"
    return render_template(template, code=code, title=gettext(title), message=message or gettext(default)), code


def init_app(app: Flask) -> None:
    """Answer errors with pages in the reader's language."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, gettext("Votre session a expiré ou le formulaire est périmé. Rechargez la page et "
                                         "réessayez."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        description = error.description if getattr(error, "tutti_message", False) else None
        return render_error(error.code or 500, description)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unexpected error")
        _roll_back()
        return render_error(500)


def _roll_back() -> None:
    """Roll the failed transaction back, so that rendering the page (the account, the menu) can read again."""
    from blueprints.extensions import session

    try:
        session().rollback()
    except Exception:  # the connection itself is gone: the page still renders what it can
        current_app.logger.exception("could not roll back after an unexpected error")
