"""The SMS flow: compose with a live countdown, an honest recap, send through RQ, history."""

from flask import Blueprint

bp = Blueprint("sms", __name__, url_prefix="/sms")

from blueprints.sms import history, info, optouts, pictures, routes  # noqa: E402,F401
from blueprints.sms.forms import check_body_encoding  # noqa: E402
from blueprints.text_fields import refuse_control_characters  # noqa: E402

bp.before_request(check_body_encoding)
bp.before_request(refuse_control_characters)


@bp.record_once
def _install_template_helpers(state) -> None:
    from blueprints.sms import context

    context.install(state.app)
