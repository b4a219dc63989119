"""Forms of the SMS flow."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import ValidationError

from tutti.campaigns import message_errors


class ComposeForm(FlaskForm):
    """The message typed in the compose fragment."""

    message = TextAreaField("Saisissez votre message")

    def validate_message(self, field) -> None:
        """Refuse what cannot be sent, in French."""
        errors = message_errors(field.data or "")
        if errors:
            raise ValidationError(" ".join(errors))


class SendForm(FlaskForm):
    """Envoyer: the recap's message and its one-time token."""

    message = HiddenField()
    token = HiddenField()
    schedule = HiddenField()
