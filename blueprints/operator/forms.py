"""Forms of the operator page: buttons whose only field is the CSRF token, and the option switch."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf

from blueprints.i18n import lazy_gettext as _l


class ButtonForm(FlaskForm):
    """A button that changes something."""


class OptionForm(FlaskForm):
    """Turn a structure's SMS option on ("1") or off ("0")."""

    enabled = HiddenField(_l("Option SMS"), validators=[AnyOf(["0", "1"], _l("Valeur invalide pour l'option SMS."))])
