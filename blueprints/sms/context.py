"""What the SMS templates ask of the app they are rendered in, whether Tutti's own or a host portal's."""

from __future__ import annotations

from flask import Flask, current_app, g, url_for

from blueprints.extensions import current_account

DEFAULT_LAYOUT = "base.html"
DEFAULT_PEOPLE_ENDPOINT = "people.index"


def sms_layout() -> str:
    """Return the page the SMS pages extend: Tutti's, a host portal's, or one a view chose for this request."""
    return g.get("sms_layout") or current_app.extensions["tutti"].get("sms_layout") or DEFAULT_LAYOUT


def sms_link(endpoint: str, **values) -> str | None:
    """Return the URL of a page outside the SMS pages, or None when this app does not serve it."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def sms_people_url(selection_id: int | None = None) -> str | None:
    """Return the URL of the page where people are picked (Tutti's person list, or the host's page).

    Tutti's own list is opened back on the selection the SMS page worked on, its ticks as they were.
    """
    endpoint = current_app.extensions["tutti"].get("people_endpoint") or DEFAULT_PEOPLE_ENDPOINT
    if endpoint == DEFAULT_PEOPLE_ENDPOINT and selection_id:
        return sms_link(endpoint, sel=selection_id)
    return sms_link(endpoint)


def _context() -> dict:
    return {"sms_layout": sms_layout()}


def install(app: Flask) -> None:
    """Give the app's templates what the SMS templates use beside Tutti's filters."""
    app.context_processor(_context)
    app.add_template_global(sms_link)
    app.add_template_global(sms_people_url)
    app.add_template_global(current_account, "current_account")
