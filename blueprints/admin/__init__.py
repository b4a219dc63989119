"""Structure administration: a person's record with « Comptes et droits », SMS settings, the option, credit orders."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__)

from blueprints.admin import accounts, embedding, selection, sms  # noqa: E402,F401
from blueprints.text_fields import refuse_control_characters  # noqa: E402

bp.before_request(refuse_control_characters)


def init_app(app: Flask) -> None:
    """Offer the administrator's actions on the person list and the administration pages in the navigation."""
    from blueprints.i18n import N_
    from blueprints.people.actions import Action, register_action
    from blueprints.ui import NavItem, register_nav

    def is_admin(account) -> bool:
        return account.is_admin

    def lacks_option(account) -> bool:
        return account.is_admin and account.structure is not None and not account.structure.sms_option

    register_action(app, Action("accounts", N_("Création ou suppression de compte"), "admin.selection_accounts",
                                visible=is_admin, order=50))
    register_action(app, Action("passwords", N_("Redéfinir le mot de passe"), "admin.selection_passwords",
                                visible=is_admin, order=51))
    register_nav(app, NavItem("admin.sms_settings", N_("Configuration des envois SMS"), is_admin, order=60))
    register_nav(app, NavItem("admin.subscription", N_("Option SMS"), lacks_option, order=61))
    register_nav(app, NavItem("admin.audit", N_("Journal des modifications"), is_admin, order=70))
