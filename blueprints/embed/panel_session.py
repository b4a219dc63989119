"""The embedded panel's session: carried by htmx in a header, never by a cookie.

A portal frames the panel from another site, where browsers do not send SameSite=Lax cookies to the
frame (and many block third-party cookies outright). So the panel's login and CSRF token live in a
signed, short-lived panel token that the panel page puts in `hx-headers`; every htmx request sends it
back as `X-Tutti-Panel`. For such a request the session is rebuilt from the token and never written
to a cookie, so the panel neither needs nor touches Tutti's own session cookie. A custom header cannot
be sent by another site without a CORS preflight Tutti never grants, and the token is no ambient
credential: a forged cross-site request carries neither, which is what CSRF protection is about.
"""

from __future__ import annotations

import secrets

from flask import Flask, Request, g
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login.utils import _create_identifier
from itsdangerous import BadSignature, URLSafeTimedSerializer

HEADER = "X-Tutti-Panel"
SALT = "tutti-panel"
PANEL_TTL = 2 * 3600


def _serializer(app: Flask) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT)


def issue(app: Flask, link_id: int, user_id: str, structure_id: int) -> str:
    """Sign a panel token for the account a link opened the panel for."""
    claims = {"l": link_id, "u": user_id, "s": structure_id, "c": secrets.token_hex(20)}
    return _serializer(app).dumps(claims)


def read(app: Flask, token: str) -> dict | None:
    """Return a valid panel token's claims, or None (forged or older than the panel's lifetime)."""
    try:
        claims = _serializer(app).loads(token, max_age=app.config.get("TUTTI_PANEL_TTL", PANEL_TTL))
    except BadSignature:
        return None
    return claims if isinstance(claims, dict) and {"l", "u", "s", "c"} <= claims.keys() else None


def enter(session: SecureCookieSession, claims: dict, token: str) -> None:
    """Make this request's session the panel's: its account, its CSRF secret, and no cookie written."""
    session.clear()
    session.update({"_user_id": claims["u"], "_fresh": False, "_id": _create_identifier(), "csrf_token": claims["c"]})
    g.tutti_panel = {**claims, "token": token}
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    g.pop("_tutti_account", None)


class PanelSessionInterface(SecureCookieSessionInterface):
    """Tutti's cookie session, except for requests that carry a panel token."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Rebuild the panel's session from its header; otherwise read the cookie as usual."""
        token = request.headers.get(HEADER)
        if token is None:
            return super().open_session(app, request)
        session = self.session_class()
        claims = read(app, token)
        if claims is None:
            g.tutti_panel = {"expired": True}
        else:
            enter(session, claims, token)
        return session

    def save_session(self, app: Flask, session, response) -> None:
        """Write no cookie for the panel; Tutti's own session as usual."""
        if g.get("tutti_panel") is not None:
            return
        super().save_session(app, session, response)


def panel() -> dict | None:
    """Return this request's panel claims (with "expired" when its token was not valid), or None."""
    return g.get("tutti_panel")
