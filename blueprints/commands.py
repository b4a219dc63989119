"""Tutti's flask commands: schema, demo data."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import inspect

from blueprints.extensions import db
from tutti.models import metadata

# The revision that describes the schema Tutti created before it had migrations.
FIRST_REVISION = "0001"


def prepare_schema() -> str:
    """Bring the app's database up to the models through the migrations; say what was done."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    config = current_app.extensions["migrate"].migrate.get_config()
    tables = set(inspect(db.engine).get_table_names())
    if "alembic_version" in tables or not tables & set(metadata.tables):
        command.upgrade(config, "head")
        return "upgraded"
    # Tables but no revision: a database made by create_all. If it already matches the models, it is at the head;
    # otherwise it predates the migrations and is at the first revision.
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    command.stamp(config, "head" if not differences else FIRST_REVISION)
    command.upgrade(config, "head")
    return "stamped"


def register(app: Flask) -> None:
    """Add Tutti's commands to the app."""

    @app.cli.command("init-db")
    def init_db() -> None:
        """Bring the database up to the models (the same as flask db upgrade)."""
        prepare_schema()
        click.echo("Base de données prête.")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Bring the schema up to date, then fill an empty database with the demo structures and accounts."""
        from tutti.demo import seed_demo as seed

        prepare_schema()
        if seed(db.session):
            click.echo("Données de démonstration chargées (mot de passe : tutti-demo).")
        else:
            click.echo("La base contient déjà des données : rien n'a été ajouté.")
