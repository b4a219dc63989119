"""What every page's chrome needs: the navigation registry and number and date filters in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import Flask, current_app
from flask_babel import gettext
from flask_login import current_user

from blueprints.i18n import DEFAULT_LANGUAGE, N_, current_language
from tutti.models import Account
from tutti.sms.encoding import SUFFIX

PARIS = ZoneInfo("Europe/Paris")
# WORDING.md: « 25/11/2026 à 14:05 » in French; English gets an unambiguous month name. Always Paris time.
DATETIME_PATTERNS = {"fr": "dd/MM/yyyy 'à' HH:mm", "en": "MMM d, yyyy, h:mm a"}


@dataclass(frozen=True)
class NavItem:
    """A link of the main navigation, shown to the accounts it is visible to."""

    endpoint: str
    label: str
    visible: Callable[[Account], bool] = lambda account: True
    order: int = 100


def register_nav(app: Flask, item: NavItem) -> None:
    """Add a link to the main navigation."""
    items = app.extensions["tutti"].setdefault("nav", [])
    items.append(item)
    items.sort(key=lambda i: i.order)


def nav_items() -> list[NavItem]:
    """Return the navigation links the logged-in account may follow."""
    if not current_user.is_authenticated:
        return []
    return [i for i in current_app.extensions["tutti"].get("nav", []) if i.visible(current_user)]


def format_number(value: int | float) -> str:
    """Write a number the reader's way: « 1 228 » in French, "1,228" in English."""
    language = current_language()
    text = numbers.format_decimal(value, locale=language)
    # CLDR separates French thousands with a narrow no-break space; WORDING.md's « 1 228 » uses a no-break space.
    return text.replace("\u202f", "\u00a0") if language == "fr" else text


def format_datetime(value: datetime | None) -> str:
    """Write a date and time in Paris time, the reader's way: « 25/11/2026 à 14:05 », "Nov 25, 2026, 2:05 PM"."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive datetimes; Tutti stores UTC
        value = value.replace(tzinfo=UTC)
    language = current_language()
    pattern = DATETIME_PATTERNS.get(language, DATETIME_PATTERNS[DEFAULT_LANGUAGE])
    return dates.format_datetime(value, pattern, tzinfo=PARIS, locale=language)


_INVISIBLE = {
    "\u00a0": N_("espace insécable"), "\u202f": N_("espace fine insécable"), "\t": N_("tabulation"),
    "\u2009": N_("espace fine"), "\u200b": N_("espace sans chasse"), "\u00ad": N_("trait d'union conditionnel"),
    "\ufeff": N_("caractère invisible"),
}


def char_name(ch: str) -> str:
    """Show a character so that a person can find it in the text, invisible ones by their name."""
    if ch in _INVISIBLE:
        return gettext(_INVISIBLE[ch])
    if ch.isspace() or not ch.isprintable():
        return gettext("caractère invisible U+%(code)s", code=f"{ord(ch):04X}")
    return gettext("« %(char)s »", char=ch)


def init_app(app: Flask) -> None:
    """Install the filters and the navigation helper in the app's templates."""
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(char_name, "char_name")
    app.add_template_global(nav_items)
    app.add_template_global(SUFFIX, "sms_suffix")
    register_nav(app, NavItem("people.index", N_("Personnes"), lambda a: a.structure_id is not None, order=10))
