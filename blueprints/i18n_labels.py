"""The French words of the domain (tutti/), listed for the catalogue, and `localise`, which translates them on screen.

tutti/ imports no Flask: its labels are French there, and translated at the edge, by the `translate` template
filter and by the views, both through `localise` (its typed refusals are worded by blueprints/refusals.py; the
message checks listed below are still French sentences of the domain). Extraction only finds strings written inside
a call, so each of them is repeated below in N_() (NP_() for a singular/plural pair). A text the domain builds with
values (« L'identifiant « x » est déjà utilisé… ») is listed with placeholders: `localise` recognises the French
sentence and translates it whole. tests/test_i18n.py checks that every label of the domain is listed here, so a label
changed in tutti/ without its line here fails the suite rather than showing French on an English page.
"""

from __future__ import annotations

import re

from flask_babel import get_translations, gettext

from blueprints.i18n import DEFAULT_LANGUAGE, N_, NP_, current_language

LABELS = [
    # tutti/models/sms.py MESSAGE_LABELS and CAMPAIGN_LABELS
    N_("en attente"), N_("envoyé"), N_("reçu"), N_("non reçu"), N_("expiré"), N_("rejeté"), N_("échec"),
    N_("inconnu"), N_("annulé"), N_("programmé"), N_("en cours"), N_("terminé"),
    # tutti/sms/credit.py KIND_LABELS
    N_("Crédit initial"), N_("Réapprovisionnement"), N_("Réservation"), N_("Débit"), N_("Libération"),
    # tutti/models/accounts.py MODULES and LEVELS
    N_("Communication - SMS"), N_("Personnes"), N_("Aucun"), N_("Lecture"), N_("Lecture écriture"),
    # tutti/models/structures.py ORDER_LABELS
    N_("validée"), N_("refusée"),
    # tutti/window.py POLICIES
    N_("Prévenir, et laisser envoyer tout de suite"), N_("Prévenir, et proposer de programmer l'envoi"),
    # tutti/structures/contact_requests.py CONTACT_SUBJECTS
    N_("Souscrire à l'option SMS"), N_("Crédit SMS"), N_("Autre question"),
]

REFUSALS = [
    # tutti/sms/campaigns.py message_errors
    N_("Saisissez votre message : un SMS ne peut pas être vide."),
    N_("Votre message contient des caractères de contrôle invisibles : retirez-les."),
    N_("Votre message contient des caractères illisibles (�) : retapez-les."),
]

# Texts the domain builds with values; the placeholders stand for the values, found back in the French text.
WITH_VALUES = [
    N_("Votre message dépasse %(max)s caractères."),
]
PLURALS_WITH_VALUES = [
    NP_("Votre message dépasse %(max)s caractères de %(num)s caractère.",
        "Votre message dépasse %(max)s caractères de %(num)s caractères."),
]

_NUMBERS = {"num", "max"}  # placeholders holding a number, written again the reader's way
_DIGITS = r"\d[\d\u00a0]*"
_SENTENCE_END = re.compile(r"(?<=[.!?]) (?=\S)")


def _pattern(msgid: str) -> re.Pattern:
    """Turn a msgid with %(name)s placeholders into a regex that finds the values back in the French text."""
    pieces = re.split(r"%\((\w+)\)s", msgid)
    return re.compile("".join(
        re.escape(p) if i % 2 == 0 else f"(?P<{p}>{_DIGITS if p in _NUMBERS else '.+?'})" for i, p in enumerate(pieces)
    ), re.S)


_PATTERNS = [(_pattern(form), singular, plural) for singular, plural in PLURALS_WITH_VALUES
             for form in (singular, plural)] + [(_pattern(m), m, None) for m in WITH_VALUES]


def _value(name: str, value: str) -> str:
    from blueprints.ui import format_number

    if name in _NUMBERS:
        return format_number(int(value.replace("\u00a0", "")))
    return value


def localise(text: str) -> str:
    """Translate a French text of the domain into the reader's language; unknown texts stay French."""
    if not text or current_language() == DEFAULT_LANGUAGE:
        return text
    translated = gettext(text)
    if translated != text:
        return translated
    for regex, singular, plural in _PATTERNS:
        match = regex.fullmatch(text)
        if match:
            values = {name: _value(name, value) for name, value in match.groupdict().items()}
            if plural is None:
                return gettext(singular, **values)
            count = int(match["num"].replace("\u00a0", ""))
            return get_translations().ungettext(singular, plural, count) % values
    sentences = _SENTENCE_END.split(text)  # refusals the domain joined into one text
    return " ".join(localise(s) for s in sentences) if len(sentences) > 1 else text
