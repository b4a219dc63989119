"""Tutti's SMS pages inside a Flask host portal: the host's database, login and layout, under any URL prefix.

The host keeps what it owns: its SQLAlchemy (Tutti's tables live in the host's database), its LoginManager and
its templates. The panel only adds Tutti's per-app state (`app.extensions["tutti"]`), its blueprints, and the
template filters and translations its pages need when the host has none of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from markupsafe import Markup, escape
from wtforms import ValidationError

from blueprints.extensions import account_required, babel, current_account, session
from tutti.directory import selections
from tutti.models import SELECTION_PORTAL, Account
from tutti.params import to_int

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HTMX = "vendor/htmx-2.0.11.min.js"
# Tutti's own htmx settings (base.html): gates answer 403 with a fragment that must still be swapped in.
HTMX_CONFIG = ('{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false, '
               '"historyCacheSize": 0, "responseHandling": [{"code": "204", "swap": false}, '
               '{"code": "[23]..", "swap": true}, {"code": "[45]..", "swap": true, "error": true}]}')
MAX_RECIPIENTS = 100_000
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

AccountLoader = Callable[[object], Account | None]

# Tutti's templates and static files, served beside the SMS pages under the host's prefix.
panel_bp = Blueprint("sms_panel", __name__, template_folder=os.path.join(ROOT, "templates"),
                     static_folder=os.path.join(ROOT, "static"), static_url_path="/static")


def init_sms_panel(app: Flask, *, account_loader: AccountLoader, layout: str, url_prefix: str = "/sms",
                   people_endpoint: str | None = None) -> None:
    """Serve the SMS pages on a host app, under url_prefix, with the host's database, login and layout.

    `account_loader(user)` maps the host's logged-in user to a Tutti `Account` (or None); `layout` is the host
    template the pages extend (it defines `{% block content %}` and calls `{{ tutti_sms_head() }}` in its head);
    `people_endpoint` is the host page where people are picked, linked back to from the panel.
    """
    if "tutti" in app.extensions:
        raise RuntimeError("Tutti is already set up on this app: init_sms_panel runs once, on a host's app.")
    if "sqlalchemy" not in app.extensions:
        raise RuntimeError("init_sms_panel uses the host's Flask-SQLAlchemy: call db.init_app(app) first.")
    if getattr(app, "login_manager", None) is None:
        raise RuntimeError("init_sms_panel uses the host's Flask-Login: call login_manager.init_app(app) first.")
    if not app.config.get("REDIS_URL"):
        raise RuntimeError("init_sms_panel needs REDIS_URL in the host's config: the queue the workers read.")
    from blueprints.sms import bp as sms_bp
    from tutti import redis_conn
    from tutti.sms.queue import make_queue

    app.config.setdefault("TUTTI_SMS_TRANSPORT", "outbox")
    app.config.setdefault("TUTTI_QUEUE_NAME", "tutti")
    connection = redis_conn.connect(app.config["REDIS_URL"])
    app.extensions["tutti"] = {
        "redis": connection, "queue": make_queue(connection, app.config["TUTTI_QUEUE_NAME"]), "actions": [],
        "account_loader": account_loader, "sms_layout": layout, "people_endpoint": people_endpoint,
    }
    _bind_babel(app)
    _bind_csrf(app)
    _install_template_helpers(app)
    app.register_blueprint(sms_bp, url_prefix=url_prefix)
    app.register_blueprint(panel_bp, url_prefix=url_prefix)


def select_recipients(account: Account, person_ids: Iterable[int]) -> int:
    """Make a new selection of these people for the account (ids of other structures are ignored); return its id.

    The selection is this call's own: the SMS pages opened with it (`?sel=<id>`) send to these people, whatever
    other selections the account makes meanwhile. `tutti.directory.selections.count(db, id)` says how many it holds.
    """
    if account.structure_id is None:
        raise ValueError("an account of a structure is needed to select people")
    ids = sorted({i for i in person_ids if isinstance(i, int) and not isinstance(i, bool)})[:MAX_RECIPIENTS]
    db = session()
    selection = selections.create(db, account.id, account.structure_id, SELECTION_PORTAL)
    selection_id = selection.id
    if ids:
        selections.tick(db, selection_id, account.structure_id, ids, True)
    db.commit()
    return selection_id


@panel_bp.route("/recipients", methods=["POST"])
@account_required
def recipients():
    """Take the people a host page picked (`person_id` fields) as the selection, then open the compose page."""
    account = current_account._get_current_object()
    if account is not None and account.structure_id is not None:
        ids = [to_int(raw) for raw in request.form.getlist("person_id")[:MAX_RECIPIENTS]]
        selection_id = select_recipients(account, [i for i in ids if i is not None])
        return redirect(url_for("sms.compose", sel=selection_id), 303)
    return redirect(url_for("sms.compose"), 303)


def tutti_sms_head(css: bool = True, htmx: bool = True) -> Markup:
    """Return the tags the panel's pages need in the host layout's head: htmx, Tutti's script and style."""
    def static(name: str) -> str:
        return str(escape(url_for("sms_panel.static", filename=name)))

    tags = []
    if htmx:
        tags.append(f"<meta name=\"htmx-config\" content='{HTMX_CONFIG}'>")
        tags.append(f'<script src="{static(HTMX)}" defer></script>')
    tags.append(f'<script src="{static("js/tutti.js")}" defer></script>')
    if css:
        tags.append(f'<link rel="stylesheet" href="{static("css/tutti.css")}">')
    return Markup("\n".join(tags))


def _bind_babel(app: Flask) -> None:
    """Use the host's Flask-Babel with Tutti's catalogue added, or bind one that speaks French by default."""
    from blueprints import i18n

    translations = os.path.join(ROOT, "translations")
    config = app.extensions.get("babel")
    if config is None:
        babel.init_app(app, default_locale=i18n.DEFAULT_LANGUAGE, default_timezone="Europe/Paris",
                       default_translation_directories=translations, locale_selector=i18n.select_locale)
    elif translations not in config.translation_directories:
        config.translation_directories.append(translations)


def _bind_csrf(app: Flask) -> None:
    """Protect the panel's forms with the host's CSRFProtect, or check their token without touching the host's views."""
    if "csrf" in app.extensions:
        return
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)

    @app.before_request
    def _check_panel_csrf() -> None:
        if (request.blueprint not in ("sms", "sms_panel") or request.method not in UNSAFE_METHODS
                or not current_app.config.get("WTF_CSRF_ENABLED", True)):
            return
        try:
            validate_csrf(request.form.get("csrf_token") or request.headers.get("X-CSRFToken"))
        except (ValidationError, CSRFError):
            abort(400, gettext("Ce formulaire a expiré. Rechargez la page et réessayez."))


def _install_template_helpers(app: Flask) -> None:
    """Add the filters and globals Tutti's SMS templates use; a host filter of the same name is an error."""
    from blueprints import i18n, ui
    from blueprints.admin.access import may_order_credit
    from blueprints.i18n_labels import translate
    from blueprints.refusals import words
    from tutti.sms.encoding import SUFFIX

    def may_order(account: Account | None) -> bool:
        # Credit is ordered on Tutti's own administration pages, which a host portal does not serve.
        return account is not None and "admin.credit_order" in app.view_functions and may_order_credit(account)

    filters = {"number": ui.format_number, "datetime": ui.format_datetime, "char_name": ui.char_name,
               "translate": translate, "words": words}
    for name, function in filters.items():
        if app.jinja_env.filters.get(name, function) is not function:
            raise RuntimeError(f"The host already has a template filter named {name!r}, which Tutti's pages use.")
        app.add_template_filter(function, name)
    app.add_template_global(SUFFIX, "sms_suffix")
    app.add_template_global(may_order, "may_order_credit")
    app.add_template_global(i18n.current_language)
    app.add_template_global(tutti_sms_head)
