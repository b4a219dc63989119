"""Login and logout."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from blueprints.auth import routes  # noqa: E402,F401
from blueprints.text_fields import refuse_control_characters  # noqa: E402

bp.before_request(refuse_control_characters)
