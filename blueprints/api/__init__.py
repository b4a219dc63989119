"""The JSON API a portal's server calls with a structure's API key: people, tags, campaigns, credit, embed links."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from blueprints.api import auth, campaigns, embed_links, people  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Exempt the API from CSRF (it takes no cookie) and set its rate limits."""
    from blueprints.extensions import csrf, limiter

    app.config.setdefault("TUTTI_API_LIMIT", "600 per minute")  # calls of one key, once its secret is verified
    app.config.setdefault("TUTTI_API_FAILED_LIMIT", "60 per minute")  # failed authentications of one address
    app.config.setdefault("TUTTI_API_FAILED_GLOBAL_LIMIT", "1200 per minute")  # of all addresses together
    csrf.exempt(bp)
    limiter.exempt(bp)  # counted by the API itself, per address before a key is verified and per key after
