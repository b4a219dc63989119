"""Forms of structure administration; labels and messages are French, translated when shown."""

from __future__ import annotations

from babel import Locale
from flask import request
from flask_babel import gettext
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

from blueprints.i18n import DEFAULT_LANGUAGE, LazyText, current_language
from blueprints.i18n import lazy_gettext as _l
from blueprints.refusals import words
from blueprints.ui import format_number
from tutti.models import LEVELS, MODULES
from tutti.structures.contact_requests import CONTACT_SUBJECTS, MAX_CONTACT_CHARS
from tutti.structures.credit_orders import PACKS
from tutti.structures.sms_settings import (
    MAX_THRESHOLD,
    SENDER_NAME_INVALID,
    WINDOW_POLICIES,
    region_name,
    regions,
    sender_name_ok,
)

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms before 3.3 takes (value, label) pairs
    SelectChoice = None

RIGHT_PREFIX = "level_"


def _choices(pairs) -> list:
    """Return choices in the shape the installed WTForms prefers."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


def _translated(pairs) -> list:
    """Return choices whose French labels are translated into the reader's language."""
    return _choices((value, gettext(label)) for value, label in pairs)


def _regions() -> list[tuple[str, str]]:
    """Return the regions with their names in the reader's language (the domain's French names in French)."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return regions()
    names = Locale.parse(language).territories
    named = {code: names.get(code) or region_name(code) for code, _ in regions()}
    others = sorted((c for c in named if c != "FR"), key=lambda c: named[c])
    return [(c, f"{named[c]} ({c})") for c in ["FR", *others]]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FrenchIntegerField(IntegerField):
    """An integer field that says what is wrong in the reader's language (WTForms' own message is English)."""

    def process_formdata(self, valuelist):
        """Read the number, or record an error."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(gettext("Saisissez un nombre entier.")) from error


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class CreateAccountForm(ActionForm):
    """« Créer un compte »: the new account's login."""

    login = StringField(_l("Identifiant du compte"), filters=[_strip],
                        validators=[DataRequired(_l("Saisissez l'identifiant du nouveau compte.")), Length(max=80)])


class DeleteAccountForm(ActionForm):
    """Delete an account, once the administrator has ticked the confirmation."""

    confirm = BooleanField(_l("Je confirme la suppression de ce compte"),
                           validators=[DataRequired(_l("Cochez la case pour confirmer la suppression."))])


class RightsForm(FlaskForm):
    """The rights grid: one line per module, columns Aucun / Lecture / Lecture écriture."""

    def forged_modules(self) -> list[str]:
        """Return modules the POST names that the grid does not have."""
        return [key[len(RIGHT_PREFIX):] for key in request.form if key.startswith(RIGHT_PREFIX)
                and key[len(RIGHT_PREFIX):] not in MODULES]

    def levels(self) -> dict[str, str]:
        """Return the submitted level of each module the POST names (a line it leaves out is left as it is)."""
        levels = {module: request.form[RIGHT_PREFIX + module] for module in MODULES
                  if RIGHT_PREFIX + module in request.form}
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
                RadioField(gettext(label), choices=_translated((str(level), name) for level, name in LEVELS.items()),
                           default=str(current.get(module, 0)), validate_choice=False))
    return Grid(formdata=formdata) if formdata is not None else Grid()


class ResetPasswordForm(FlaskForm):
    """The page a one-time link opens: choose a password."""

    password = PasswordField(_l("Nouveau mot de passe"),
                             validators=[DataRequired(_l("Saisissez votre nouveau mot de passe.")), Length(max=200)])
    confirm = PasswordField(_l("Confirmez le mot de passe"),
                            validators=[EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))])


class SmsSettingsForm(FlaskForm):
    """« Configuration des envois SMS »."""

    sender_name = StringField(_l("Nom d'expéditeur"), filters=[_strip],
                              validators=[DataRequired(_l("Saisissez le nom d'expéditeur.")), Length(max=40)])
    phone_region = SelectField(_l("Pays des numéros de téléphone"), validate_choice=False)
    window_policy = RadioField(_l("Envoi demandé hors des horaires conseillés (8 h – 20 h, du lundi au samedi)"),
                               validate_choice=False,
                               validators=[AnyOf(list(WINDOW_POLICIES), _l("Choisissez l'une des deux options."))])
    low_credit_threshold = FrenchIntegerField(
        _l("Seuil d'alerte de crédit bas (en SMS)"),
        validators=[InputRequired(_l("Saisissez un nombre de SMS.")),
                    NumberRange(0, MAX_THRESHOLD, _l("Saisissez un nombre entre 0 et %(max)s.",
                                                     max=LazyText(format_number, MAX_THRESHOLD)))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.phone_region.choices = _choices(_regions())
        self.window_policy.choices = _translated(WINDOW_POLICIES.items())

    def validate_sender_name(self, field) -> None:
        """Apply SMS.md's rule for originators."""
        if not sender_name_ok(field.data):
            raise ValidationError(words(SENDER_NAME_INVALID))

    def validate_phone_region(self, field) -> None:
        """Accept only a region phonenumbers knows."""
        if field.data not in {code for code, _ in regions()}:
            raise ValidationError(gettext("Choisissez un pays dans la liste."))


class CreditOrderForm(FlaskForm):
    """« Réapprovisionner son crédit SMS »: one pack."""

    pack = RadioField(_l("Pack de SMS"), validate_choice=False,
                      validators=[InputRequired(_l("Choisissez un pack.")),
                                  AnyOf([str(p) for p in PACKS], _l("Choisissez l'un des packs proposés."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pack.choices = _choices((str(p), f"{format_number(p)} SMS") for p in PACKS)


class ContactForm(FlaskForm):
    """A message to the platform operator."""

    subject = SelectField(_l("Objet"), validate_choice=False,
                          validators=[AnyOf(list(CONTACT_SUBJECTS), _l("Choisissez l'objet dans la liste."))])
    reply_to = StringField(_l("Adresse e-mail ou téléphone pour vous répondre"), filters=[_strip],
                           validators=[DataRequired(_l("Indiquez comment vous répondre.")), Length(max=200)])
    message = TextAreaField(_l("Votre message"), validators=[
        DataRequired(_l("Écrivez votre message.")),
        Length(max=MAX_CONTACT_CHARS, message=_l("Votre message compte %(max)s caractères au plus.",
                                                 max=MAX_CONTACT_CHARS))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = _translated(CONTACT_SUBJECTS.items())
