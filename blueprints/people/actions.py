"""The registry behind « Actions pour N sélectionnés »: Tutti and host portals add entries to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from blueprints.i18n import N_
from tutti.models import LEVEL_READ, MODULE_PEOPLE, Account


@dataclass(frozen=True)
class Action:
    """One entry of the actions menu; its label is French, marked with N_ and translated where it is shown.

    An "htmx" action loads its fragment into the panel under the list; a "link" action is a plain link
    (a download, another page).
    """

    key: str
    label: str
    endpoint: str
    kind: str = "htmx"
    visible: Callable[[Account], bool] = lambda account: True
    order: int = 100


def register_action(app: Flask, action: Action) -> None:
    """Add an action to the app's menu, replacing one with the same key."""
    actions = [a for a in app.extensions["tutti"]["actions"] if a.key != action.key]
    actions.append(action)
    app.extensions["tutti"]["actions"] = sorted(actions, key=lambda a: (a.order, a.label))


def actions_for(account: Account) -> list[Action]:
    """Return the actions this account may use, in menu order."""
    return [a for a in current_app.extensions["tutti"]["actions"] if a.visible(account)]


def may_export(account: Account) -> bool:
    """Say whether an account may take people's data out: « Personnes » in reading (the administrator may)."""
    return account.level(MODULE_PEOPLE) >= LEVEL_READ


def register_builtin_actions(app: Flask) -> None:
    """Register the actions the person list itself provides."""
    register_action(app, Action("export", N_("Exporter"), "people.export", kind="link", visible=may_export, order=90))
