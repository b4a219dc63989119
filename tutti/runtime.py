"""What a job needs to find outside its arguments: the database and the SMS transport.

worker.py configures it once, before forking; jobs call `session()` and `transport()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


@dataclass
class Runtime:
    """The database and transport settings jobs run with."""

    engine: Engine | None = None
    transport_url: str = "outbox"
    settings: dict[str, Any] = field(default_factory=dict)
    _sessions: sessionmaker | None = None


_runtime = Runtime()


def configure(engine: Engine, transport_url: str = "outbox", **settings: Any) -> None:
    """Tell jobs which database and transport to use."""
    _runtime.engine = engine
    _runtime.transport_url = transport_url
    _runtime.settings = settings
    _runtime._sessions = sessionmaker(engine, expire_on_commit=False)


def configure_from_app(app, engine: Engine, **settings: Any) -> None:
    """Configure jobs from a Flask app's settings (called by worker.py and the tests).

    TUTTI_JOB_SETTINGS (a dict in the app config) may set batch_size, lease_seconds and
    provider_patience; keyword arguments override it.
    """
    merged = {**app.config.get("TUTTI_JOB_SETTINGS", {}), **settings}
    configure(engine, app.config["TUTTI_SMS_TRANSPORT"], redis_url=app.config["REDIS_URL"],
              queue_name=app.config["TUTTI_QUEUE_NAME"], **merged)


def session() -> Session:
    """Open a new database session for a job."""
    if _runtime._sessions is None:
        raise RuntimeError("tutti.runtime is not configured: start jobs through worker.py")
    return _runtime._sessions()


def session_factory() -> sessionmaker:
    """Return the session factory jobs use."""
    if _runtime._sessions is None:
        raise RuntimeError("tutti.runtime is not configured: start jobs through worker.py")
    return _runtime._sessions


def transport_url() -> str:
    """Return the configured transport URL."""
    return _runtime.transport_url


def setting(name: str, default: Any = None) -> Any:
    """Return one of the settings jobs were configured with."""
    return _runtime.settings.get(name, default)
