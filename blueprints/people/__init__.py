"""The person list, its selection and its actions."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from blueprints.people import routes  # noqa: E402,F401
from blueprints.text_fields import refuse_control_characters  # noqa: E402

bp.before_request(refuse_control_characters)
