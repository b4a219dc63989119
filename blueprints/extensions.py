"""Flask extensions, unbound: create_app binds them with init_app."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from tutti.models import Account, Base

db = SQLAlchemy(model_class=Base)
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
migrate = Migrate()


def session() -> Session:
    """Return the database session of the app serving this request (the host's, when embedded)."""
    return current_app.extensions["sqlalchemy"].session


def tutti_state() -> dict:
    """Return Tutti's per-app state: queue, transport, action registry."""
    return current_app.extensions["tutti"]


def _request_account() -> Account | None:
    """Return the Tutti account of this request, computed once per request."""
    if not has_request_context():
        return None
    cached = g.get("_tutti_account")
    if cached is not None and cached[0] is request._get_current_object():
        return cached[1]
    account = None
    if current_user and current_user.is_authenticated:
        loader = tutti_state().get("account_loader")
        account = loader(current_user._get_current_object()) if loader else current_user._get_current_object()
        # A host's mapping may point at a disabled account: it then has no Tutti account at all.
        if not isinstance(account, Account) or not account.active:
            account = None
    g._tutti_account = (request._get_current_object(), account)
    return account


# The Tutti account of the request: Tutti's logged-in account in its own app, and in a host portal
# what the host's account loader maps the host's logged-in user to (None when it maps it to nothing).
current_account: Account | None = LocalProxy(_request_account)  # type: ignore[assignment]


def account_required(view: Callable) -> Callable:
    """Require a logged-in user, leaving the unauthorised case to the app's own login manager."""
    return login_required(view)
