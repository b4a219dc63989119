"""The SMS panel opened from a signed embed link, inside a portal's frame, without Tutti's page chrome."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("embed", __name__, url_prefix="/embed")

from blueprints.embed import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Carry the panel's session in a header, and keep panel requests to the panel's own routes."""
    from blueprints.embed.panel_session import PanelSessionInterface

    app.session_interface = PanelSessionInterface()
    app.before_request(routes.guard_panel)
    app.after_request(routes.panel_headers)
