"""The login form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from blueprints.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    """Login and password."""

    login = StringField(
        _l("Identifiant"), validators=[DataRequired(_l("Saisissez votre identifiant.")), Length(max=80)]
    )
    password = PasswordField(
        _l("Mot de passe"), validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=200)]
    )
