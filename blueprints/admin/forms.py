"""Forms of structure administration, with French messages."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, EqualTo, InputRequired, Length, NumberRange, ValidationError

from blueprints.sms.gates import sender_name_ok
from tutti.models import LEVELS, MODULES
from tutti.sms_admin import (
    CONTACT_SUBJECTS,
    MAX_CONTACT_CHARS,
    MAX_THRESHOLD,
    PACKS,
    SENDER_NAME_POLICY,
    WINDOW_POLICIES,
    regions,
)

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms before 3.3 takes (value, label) pairs
    SelectChoice = None

RIGHT_PREFIX = "level_"


def _choices(pairs) -> list:
    """Return choices in the shape the installed WTForms prefers."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FrenchIntegerField(IntegerField):
    """An integer field that says what is wrong in French."""

    def process_formdata(self, valuelist):
        """Read the number, or record a French error."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Saisissez un nombre entier.") from error


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class CreateAccountForm(ActionForm):
    """« Créer un compte »: the new account's login."""

    login = StringField("Identifiant du compte", filters=[_strip],
                        validators=[DataRequired("Saisissez l'identifiant du nouveau compte."), Length(max=80)])


class DeleteAccountForm(ActionForm):
    """Delete an account, once the administrator has ticked the confirmation."""

    confirm = BooleanField("Je confirme la suppression de ce compte",
                           validators=[DataRequired("Cochez la case pour confirmer la suppression.")])


class RightsForm(FlaskForm):
    """The rights grid: one line per module, columns Aucun / Lecture / Lecture écriture."""

    def forged_modules(self) -> list[str]:
        """Return modules the POST names that the grid does not have."""
        return [key[len(RIGHT_PREFIX):] for key in request.form if key.startswith(RIGHT_PREFIX)
                and key[len(RIGHT_PREFIX):] not in MODULES]

    def levels(self) -> dict[str, str]:
        """Return the submitted level of each module, plus any module a forged POST names."""
        levels = {module: request.form.get(RIGHT_PREFIX + module, "") for module in MODULES}
        levels.update({m: request.form.get(RIGHT_PREFIX + m, "") for m in self.forged_modules()})
        return levels

    def field_for(self, module: str):
        """Return the radio field of a module's line."""
        return self[RIGHT_PREFIX + module]


def rights_form(current: dict[str, int], formdata=None) -> RightsForm:
    """Build the rights grid for an account's current levels."""

    class Grid(RightsForm):
        pass

    for module, label in MODULES.items():
        setattr(Grid, RIGHT_PREFIX + module,
                RadioField(label, choices=_choices((str(level), name) for level, name in LEVELS.items()),
                           default=str(current.get(module, 0)), validate_choice=False))
    return Grid(formdata=formdata) if formdata is not None else Grid()


class ResetPasswordForm(FlaskForm):
    """The page a one-time link opens: choose a password."""

    password = PasswordField("Nouveau mot de passe",
                             validators=[DataRequired("Saisissez votre nouveau mot de passe."), Length(max=200)])
    confirm = PasswordField("Confirmez le mot de passe",
                            validators=[EqualTo("password", "Les deux mots de passe ne sont pas identiques.")])


class SmsSettingsForm(FlaskForm):
    """« Configuration des envois SMS »."""

    sender_name = StringField("Nom d'expéditeur", filters=[_strip],
                              validators=[DataRequired("Saisissez le nom d'expéditeur."), Length(max=40)])
    phone_region = SelectField("Pays des numéros de téléphone", validate_choice=False)
    window_policy = RadioField("Envoi demandé hors des horaires conseillés (8 h – 20 h, du lundi au samedi)",
                               choices=_choices(WINDOW_POLICIES.items()), validate_choice=False,
                               validators=[AnyOf(list(WINDOW_POLICIES), "Choisissez l'une des deux options.")])
    low_credit_threshold = FrenchIntegerField(
        "Seuil d'alerte de crédit bas (en SMS)",
        validators=[InputRequired("Saisissez un nombre de SMS."),
                    NumberRange(0, MAX_THRESHOLD, f"Saisissez un nombre entre 0 et {MAX_THRESHOLD:,}.".replace(
                        ",", "\u00a0"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_region.choices = _choices(regions())

    def validate_sender_name(self, field) -> None:
        """Apply SMS.md's rule for originators."""
        if not sender_name_ok(field.data):
            raise ValidationError(SENDER_NAME_POLICY)

    def validate_phone_region(self, field) -> None:
        """Accept only a region phonenumbers knows."""
        if field.data not in {code for code, _ in regions()}:
            raise ValidationError("Choisissez un pays dans la liste.")


class CreditOrderForm(FlaskForm):
    """« Réapprovisionner son crédit SMS »: one pack."""

    pack = RadioField("Pack de SMS", choices=_choices((str(p), f"{p:,} SMS".replace(",", "\u00a0")) for p in PACKS),
                      validate_choice=False,
                      validators=[InputRequired("Choisissez un pack."),
                                  AnyOf([str(p) for p in PACKS], "Choisissez l'un des packs proposés.")])


class ContactForm(FlaskForm):
    """A message to the platform operator."""

    subject = SelectField("Objet", choices=_choices(CONTACT_SUBJECTS.items()), validate_choice=False,
                          validators=[AnyOf(list(CONTACT_SUBJECTS), "Choisissez l'objet dans la liste.")])
    reply_to = StringField("Adresse e-mail ou téléphone pour vous répondre", filters=[_strip],
                           validators=[DataRequired("Indiquez comment vous répondre."), Length(max=200)])
    message = TextAreaField("Votre message", validators=[
        DataRequired("Écrivez votre message."),
        Length(max=MAX_CONTACT_CHARS, message=f"Votre message compte {MAX_CONTACT_CHARS} caractères au plus.")])
