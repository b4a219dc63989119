"""Flask extensions, unbound: create_app binds them with init_app."""

from __future__ import annotations

from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from tutti.models import Base

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
