"""Database URLs and engine settings shared by the web app, the worker and the tools."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# How long a statement waits for a lock another connection holds before giving up with an error
# (SQLite's busy timeout, PostgreSQL's lock_timeout): a web request must answer, not hang.
LOCK_WAIT_SECONDS = 15.0


def engine_options(url: str, lock_wait: float = LOCK_WAIT_SECONDS) -> dict:
    """Return engine options suited to the database the URL names."""
    if url.startswith("sqlite"):
        # The driver's timeout is SQLite's busy timeout: a writer waits that long for the write lock.
        return {"connect_args": {"timeout": lock_wait}}
    return {"pool_pre_ping": True, "connect_args": {"options": f"-c lock_timeout={int(lock_wait * 1000)}"}}


def make_engine(url: str, options: Mapping[str, Any], instance_path: str) -> Engine:
    """Return an engine on the app's database for the worker and the threads beside it, outside any app context.

    A relative SQLite path is read from the instance folder, as the web app (Flask-SQLAlchemy) reads it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
            and not parsed.query.get("uri") and not os.path.isabs(parsed.database):
        parsed = parsed.set(database=os.path.join(instance_path, parsed.database))
    return create_engine(parsed, **options)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the worker write while the web app reads; foreign keys are off by default in SQLite.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
