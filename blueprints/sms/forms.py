"""Forms of the SMS flow."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import g, request
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import ValidationError

from blueprints.i18n import lazy_gettext as _l
from blueprints.refusals import words
from tutti.sms.campaigns import ILLEGIBLE, message_refusals


def check_body_encoding() -> None:
    """Note whether a url-encoded POST carried bytes that are not UTF-8 (before the form is parsed).

    Werkzeug keeps such bytes as literal « %E9 » text, which would then be shown and sent as is.
    """
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return
    try:
        unquote_to_bytes(request.get_data(cache=True)).decode("utf-8")
    except UnicodeDecodeError:
        g.sms_body_undecodable = True


def body_undecodable() -> bool:
    """Say whether this request's url-encoded body was not UTF-8."""
    return g.get("sms_body_undecodable", False)


class ComposeForm(FlaskForm):
    """The message typed in the compose fragment."""

    message = TextAreaField(_l("Saisissez votre message"))

    def validate_message(self, field) -> None:
        """Refuse what cannot be sent, in the reader's language."""
        refusals = message_refusals(field.data or "")
        if ILLEGIBLE not in refusals and body_undecodable():
            refusals.append(ILLEGIBLE)
        if refusals:
            raise ValidationError(" ".join(words(r) for r in refusals))


class SendForm(FlaskForm):
    """Envoyer: the recap's message and its one-time token."""

    message = HiddenField()
    token = HiddenField()
    schedule = HiddenField()
