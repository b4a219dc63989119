"""The JSON API a portal's server calls with a structure's API key: people, tags, campaigns, credit, embed links."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from blueprints.api import auth, campaigns, embed_links, people  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Exempt the API from CSRF (it takes no cookie) and set its rate limit."""
    from blueprints.extensions import csrf

    app.config.setdefault("TUTTI_API_LIMIT", "600 per minute")
    csrf.exempt(bp)
