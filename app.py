"""Tutti's application factory and command-line commands."""

from __future__ import annotations

import os
import secrets

from flask import Flask


def _secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, generating it the first time."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    with open(path) as f:
        return f.read().strip()


def _environment_config() -> dict:
    """Read Tutti's settings from the environment."""
    config = {}
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    for name in ("REDIS_URL", "SECRET_KEY", "TUTTI_SMS_TRANSPORT", "TUTTI_QUEUE_NAME", "TUTTI_API_LIMIT",
                 "TUTTI_API_FAILED_LIMIT", "TUTTI_API_FAILED_GLOBAL_LIMIT"):
        if os.environ.get(name):
            config[name] = os.environ[name]
    for name in ("TUTTI_EMBED_LINK_TTL", "TUTTI_PANEL_TTL", "TUTTI_JOBS_PER_CAMPAIGN"):
        if os.environ.get(name):
            config[name] = int(os.environ[name])
    job_settings = {key: float(os.environ[f"TUTTI_{key.upper()}"]) for key in ("lease_seconds", "provider_patience")
                    if os.environ.get(f"TUTTI_{key.upper()}")}
    if os.environ.get("TUTTI_BATCH_SIZE"):
        job_settings["batch_size"] = int(os.environ["TUTTI_BATCH_SIZE"])
    if job_settings:
        config["TUTTI_JOB_SETTINGS"] = job_settings
    if os.environ.get("TUTTI_COOKIE_SECURE") is not None:
        config["SESSION_COOKIE_SECURE"] = os.environ["TUTTI_COOKIE_SECURE"].lower() in ("1", "true", "yes")
    return config


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure a Tutti app."""
    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("TUTTI_INSTANCE_PATH") or None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "tutti.db"),
        REDIS_URL=None,
        TUTTI_SMS_TRANSPORT="outbox",
        TUTTI_QUEUE_NAME="tutti",
        TUTTI_PAGE_SIZE=50,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        TUTTI_LOGIN_LIMIT="10 per minute",
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_environment_config())
    if test_config:
        app.config.update(test_config)
    from tutti import logs

    # TUTTI_LOG_FORMAT=json (and TUTTI_LOG_LEVEL): one JSON object per line; unset, logging is left as it is.
    logs.configure_from_env()
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]

    from tutti.db import engine_options, normalise_url

    url = normalise_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url))

    _init_redis(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _init_redis(app: Flask) -> None:
    """Connect to Redis, or start the embedded one when no REDIS_URL is given."""
    from tutti import redis_conn

    if app.config["REDIS_URL"]:
        connection = redis_conn.connect(app.config["REDIS_URL"])
    else:
        connection = redis_conn.embedded_redis(os.path.join(app.instance_path, "redis", "tutti.rdb"))
        app.config["REDIS_URL"] = redis_conn.socket_url(connection)
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_conn.limiter_storage_uri(app.config["REDIS_URL"]))
    app.extensions["tutti"] = {"redis": connection}


def _init_extensions(app: Flask) -> None:
    """Bind the extensions and the per-app state."""
    from blueprints import errors, i18n, security, ui
    from blueprints.extensions import babel, csrf, db, limiter, login_manager, migrate
    from tutti.sms.queue import make_queue

    db.init_app(app)
    # Batch mode: SQLite can only alter a table by copying it, which Alembic's batch operations do.
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"), render_as_batch=True)
    # French unless the person picks English with the « Langue » switch; dates in Paris time.
    babel.init_app(app, default_locale=i18n.DEFAULT_LANGUAGE, default_timezone="Europe/Paris",
                   default_translation_directories=os.path.join(app.root_path, "translations"),
                   locale_selector=i18n.select_locale)
    i18n.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    state = app.extensions["tutti"]
    state["queue"] = make_queue(state["redis"], app.config["TUTTI_QUEUE_NAME"])
    state["actions"] = []
    ui.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """Register Tutti's blueprints and the actions they offer on the person list."""
    from blueprints.auth import bp as auth_bp
    from blueprints.i18n import bp as i18n_bp
    from blueprints.people import bp as people_bp
    from blueprints.people.actions import register_builtin_actions
    from blueprints.sms import bp as sms_bp
    from blueprints.sms import history as sms_history

    app.register_blueprint(auth_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(sms_bp)
    register_builtin_actions(app)
    sms_history.init_app(app)

    from blueprints import admin, operator
    from blueprints.admin import commands as admin_commands

    app.register_blueprint(admin.bp)
    app.register_blueprint(operator.bp)
    admin.init_app(app)
    operator.init_app(app)

    from blueprints import ops

    app.register_blueprint(ops.bp)
    ops.init_app(app)
    admin_commands.register(app)

    from blueprints import api, embed

    app.register_blueprint(api.bp)
    app.register_blueprint(embed.bp)
    api.init_app(app)
    embed.init_app(app)


def _register_commands(app: Flask) -> None:
    """Add Tutti's commands to the flask command line."""
    from blueprints.commands import register

    register(app)
