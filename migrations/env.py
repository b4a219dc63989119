"""Alembic's environment: run revisions against the database of the Flask app that `flask db` loaded."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# The ini's logging only when nothing configured logging yet (`flask db` on a terminal): a running app keeps its own
# handlers, JSON lines included.
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")


def target_metadata():
    """Return the metadata of every Tutti table."""
    from tutti.models import metadata

    return metadata


def run_migrations_offline() -> None:
    """Write the SQL of the revisions instead of running it (`flask db upgrade --sql`)."""
    url = current_app.extensions["migrate"].db.engine.url
    context.configure(
        url=url.render_as_string(hide_password=False),
        target_metadata=target_metadata(),
        literal_binds=True,
        **current_app.extensions["migrate"].configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the revisions on a connection of the app's engine."""

    def skip_empty_revision(context, revision, directives) -> None:
        # `flask db migrate` with no model change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("Aucun changement de schéma.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_revision)
    with current_app.extensions["migrate"].db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
