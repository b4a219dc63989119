"""What every page's chrome needs: the navigation registry and French number and date filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user

from tutti.encoding import SUFFIX
from tutti.models import Account

PARIS = ZoneInfo("Europe/Paris")


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
    """Write a number the French way: « 1 228 »."""
    return f"{value:,}".replace(",", "\u00a0")


def format_datetime(value: datetime | None) -> str:
    """Write a date the French way, in Paris time: « 25/11/2026 à 14:05 »."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive datetimes; Tutti stores UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


_INVISIBLE = {
    "\u00a0": "espace insécable", "\u202f": "espace fine insécable", "\t": "tabulation",
    "\u2009": "espace fine", "\u200b": "espace sans chasse", "\u00ad": "trait d'union conditionnel",
    "\ufeff": "caractère invisible",
}


def char_name(ch: str) -> str:
    """Show a character so that a person can find it in the text, invisible ones by their name."""
    if ch in _INVISIBLE:
        return _INVISIBLE[ch]
    if ch.isspace() or not ch.isprintable():
        return f"caractère invisible U+{ord(ch):04X}"
    return f"« {ch} »"


def init_app(app: Flask) -> None:
    """Install the filters and the navigation helper in the app's templates."""
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(char_name, "char_name")
    app.add_template_global(nav_items)
    app.add_template_global(SUFFIX, "sms_suffix")
    register_nav(app, NavItem("people.index", "Personnes", lambda a: a.structure_id is not None, order=10))
