"""The platform operator's page: structures and their SMS option, pending credit orders, contact requests."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("operator", __name__, url_prefix="/operator")

from blueprints.operator import routes  # noqa: E402,F401
from blueprints.text_fields import refuse_control_characters  # noqa: E402

bp.before_request(refuse_control_characters)


def init_app(app: Flask) -> None:
    """Show « Opérateur » in the navigation of operator accounts."""
    from blueprints.i18n import N_
    from blueprints.ui import NavItem, register_nav

    register_nav(app, NavItem("operator.index", N_("Opérateur"), lambda account: account.is_operator, order=80))
