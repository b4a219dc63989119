"""Tutti's flask commands: schema, demo data."""

from __future__ import annotations

import click
from flask import Flask

from blueprints.extensions import db


def register(app: Flask) -> None:
    """Add Tutti's commands to the app."""

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create the tables that do not exist yet."""
        from tutti.schema import create_all

        create_all(db.engine)
        click.echo("Base de données prête.")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Fill an empty database with the demo structures and accounts."""
        from tutti.demo import seed_demo as seed
        from tutti.schema import create_all

        create_all(db.engine)
        if seed(db.session):
            click.echo("Données de démonstration chargées (mot de passe : tutti-demo).")
        else:
            click.echo("La base contient déjà des données : rien n'a été ajouté.")
