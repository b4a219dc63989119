"""Schema migrations: every revision, applied to an empty database, gives exactly the models' schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import make_test_config

DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def migrations_app(database_url: str, redis_url: str) -> Iterator[Flask]:
    """Yield an app on this database, in an app context, with no table created by the fixtures."""
    from app import create_app
    from blueprints.extensions import db

    app = create_app(make_test_config(database_url, redis_url))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def alembic_config(app: Flask):
    """Return the Alembic configuration Flask-Migrate gives `flask db`."""
    return app.extensions["migrate"].migrate.get_config()


def schema_differences() -> list:
    """Return what Alembic finds between the database and every model (empty when they match)."""
    from blueprints.extensions import db
    from tutti.models import metadata

    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)


def tables() -> set[str]:
    """Return the tables of the app's database."""
    from blueprints.extensions import db

    return set(inspect(db.engine).get_table_names())


def check_upgrade_then_downgrade(app: Flask) -> None:
    """Upgrade an empty database to the head, compare it with the models, and downgrade it to nothing."""
    from blueprints.extensions import db

    config = alembic_config(app)
    assert tables() == set()
    command.upgrade(config, "head")
    assert schema_differences() == []
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    assert current == tuple(ScriptDirectory.from_config(config).get_heads())
    command.downgrade(config, "base")
    assert tables() <= {"alembic_version"}


def test_migrations_have_one_head_starting_at_0001(app):
    """Revisions form one line from 0001: a second head means two revisions claim the same parent."""
    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config(app))
    assert len(script.get_heads()) == 1, f"plusieurs têtes : {script.get_heads()}"
    assert script.get_bases() == ["0001"]


def test_migrations_sqlite_empty_database_matches_models(tmp_path, redis_url):
    """An empty SQLite file, upgraded to the head, has the models' schema, and downgrades to nothing."""
    with migrations_app(f"sqlite:///{tmp_path / 'fresh.db'}", redis_url) as app:
        check_upgrade_then_downgrade(app)


@pytest.fixture
def fresh_postgresql() -> Iterator[str]:
    """Create an empty PostgreSQL database for this test and drop it afterwards."""
    server = make_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRESQL).set(
        drivername="postgresql+psycopg", database="postgres")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        admin.connect().close()
    except OperationalError as error:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and does not answer at {server!r}: {error}")
        pytest.skip(f"no PostgreSQL server answers at {server!r}")
    name = "tutti_migrations_" + uuid.uuid4().hex[:12]
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_postgresql_empty_database_matches_models(fresh_postgresql, redis_url):
    """An empty PostgreSQL database, upgraded to the head, has the models' schema, and downgrades to nothing."""
    with migrations_app(fresh_postgresql, redis_url) as app:
        check_upgrade_then_downgrade(app)


def test_init_db_upgrades_an_empty_database(tmp_path, redis_url):
    """`flask init-db` on an empty database runs the migrations and records the head revision."""
    with migrations_app(f"sqlite:///{tmp_path / 'fresh.db'}", redis_url) as app:
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "Base de données prête." in result.output
        assert "alembic_version" in tables()
        assert schema_differences() == []


def test_init_db_stamps_a_database_made_by_create_all(app):
    """A database the models created directly is taken as the head: init-db changes nothing and succeeds."""
    with app.app_context():
        before = tables()
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert tables() == before | {"alembic_version"}
        assert schema_differences() == []


def test_init_db_upgrades_a_database_from_before_migrations(tmp_path, redis_url):
    """A database at revision 0001 with no record of it (made before migrations existed) is upgraded to the head."""
    from blueprints.extensions import db

    with migrations_app(f"sqlite:///{tmp_path / 'old.db'}", redis_url) as app:
        command.upgrade(alembic_config(app), "0001")
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert schema_differences() == []


def _selections_kept_through_0006(app) -> None:
    """An account's selection from before 0006 becomes its own selection, with the same people, and back."""
    from blueprints.extensions import db

    config = alembic_config(app)
    command.upgrade(config, "0005")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO structures (id, name, sms_option, phone_region, credit_balance, low_credit_threshold, "
            "window_policy, created_at) VALUES (1, 'École', true, 'FR', 0, 20, 'warn', CURRENT_TIMESTAMP)"))
        for account_id, structure in ((1, 1), (2, 1), (3, None)):
            connection.execute(text(
                "INSERT INTO accounts (id, structure_id, kind, login, password_hash, active, session_version, "
                "created_at) VALUES (:a, :s, 'personal', :l, 'x', true, 0, CURRENT_TIMESTAMP)"),
                {"a": account_id, "s": structure, "l": f"compte{account_id}"})
        connection.execute(text("INSERT INTO selections (account_id, person_id) VALUES (1, 10), (1, 11), (3, 12)"))
    command.upgrade(config, "head")
    with db.engine.connect() as connection:
        made = connection.execute(text("SELECT id, account_id, structure_id, origin, version FROM selections")).all()
        assert [tuple(row[1:]) for row in made] == [(1, 1, "account", 0)]
        people = connection.execute(text("SELECT selection_id, person_id FROM selection_people "
                                         "ORDER BY person_id")).all()
        assert [tuple(row) for row in people] == [(made[0][0], 10), (made[0][0], 11)]
    command.downgrade(config, "0005")
    with db.engine.connect() as connection:
        old = connection.execute(text("SELECT account_id, person_id FROM selections ORDER BY person_id")).all()
        assert [tuple(row) for row in old] == [(1, 10), (1, 11)]
    command.downgrade(config, "base")


def test_migration_0006_keeps_each_accounts_selection_sqlite(tmp_path, redis_url):
    with migrations_app(f"sqlite:///{tmp_path / 'old.db'}", redis_url) as app:
        _selections_kept_through_0006(app)


def test_migration_0006_keeps_each_accounts_selection_postgresql(fresh_postgresql, redis_url):
    with migrations_app(fresh_postgresql, redis_url) as app:
        _selections_kept_through_0006(app)
