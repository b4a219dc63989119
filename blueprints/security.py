"""Login loading, security headers and the Vary header every answer carries."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g
from flask import session as cookie_session
from flask_babel import gettext
from redis.exceptions import RedisError
from sqlalchemy.orm import joinedload
from werkzeug.routing import IntegerConverter

from blueprints.extensions import login_manager, session, tutti_state
from blueprints.htmx import add_vary
from blueprints.i18n import N_
from tutti.models import Account
from tutti.params import MAX_ID, to_int

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


class IdConverter(IntegerConverter):
    """`<int:…>` in Tutti's URLs: ASCII digits up to MAX_ID; anything else is a 404.

    SQLite cannot even bind a number past 2**63 (an OverflowError, that is a 500).
    """

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


# The session lives in a signed cookie: logging out must also be written down, or a copy of the cookie taken
# before would stay logged in until it expires.
SESSION_ID = "tutti_sid"


def _ended_key(session_id: str) -> str:
    return f"tutti:ended-session:{session_id}"


def start_session() -> None:
    """Give a new login session an id of its own, so that logging out can end it for good."""
    cookie_session[SESSION_ID] = secrets.token_urlsafe(18)


def end_session() -> None:
    """Record that this session ended: its cookie, replayed later, logs no one in."""
    session_id = cookie_session.get(SESSION_ID)
    if not session_id:
        return
    lifetime = int(current_app.permanent_session_lifetime.total_seconds()) + 60
    try:
        tutti_state()["redis"].set(_ended_key(session_id), 1, ex=lifetime)
    except RedisError:
        current_app.logger.warning("could not record the end of a session: Redis is away")


def _session_ended() -> bool:
    session_id = cookie_session.get(SESSION_ID)
    if not session_id:
        return False
    try:
        return bool(tutti_state()["redis"].exists(_ended_key(session_id)))
    except RedisError:
        return False  # Redis away: the account and its session version still decide


@login_manager.user_loader
def load_account(user_id: str) -> Account | None:
    """Load the logged-in account; a bumped session version, or a logout, ends older sessions."""
    if _session_ended():
        return None
    account_id, _, version = user_id.partition(":")
    account_id, version = to_int(account_id), to_int(version)
    if account_id is None or version is None:
        return None
    # One statement for the account, its structure and its rights: every request pays for it.
    account = session().get(Account, account_id, options=[joinedload(Account.structure), joinedload(Account.rights)])
    if account is None or not account.active or account.session_version != version:
        return None
    return account


def _headers(response: Response) -> Response:
    # The embedded panel names the origins that may frame it (its structure's allowlist); every other
    # answer may only be framed by Tutti itself.
    ancestors = g.get("frame_ancestors")
    if ancestors is None:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    else:
        response.headers.setdefault("Content-Security-Policy", CSP.replace(
            "frame-ancestors 'self'", "frame-ancestors " + " ".join(ancestors)))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return add_vary(response)


def _forget_cached_user() -> None:
    g.pop("_login_user", None)


def init_app(app: Flask) -> None:
    """Wire login and headers into the app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Veuillez vous connecter pour accéder à cette page.")
    login_manager.localize_callback = gettext  # the message is flashed in the reader's language
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.after_request(_headers)
    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
    # Each request loads its account afresh, even when a caller (a test, a script) keeps one app
    # context open across requests: `g` must not carry one request's user into the next.
    app.before_request(_forget_cached_user)
